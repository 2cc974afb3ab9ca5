/*
 * restrict-address-families: runs a command under the same seccomp filter that systemd installs for
 * `RestrictAddressFamilies=AF_UNIX AF_INET AF_INET6` (socket(2) with any other family fails with
 * EAFNOSUPPORT), so scripts/check-ops.sh can show that libcurl's name resolution still works under the
 * unit's restriction without needing systemd as PID 1.
 *
 *   cc -O2 -o restrict-address-families systemd/restrict-address-families.c
 *   ./restrict-address-families COMMAND [ARG...]
 */
#include <errno.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <stdio.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#if defined(__x86_64__)
#define ARCH AUDIT_ARCH_X86_64
#elif defined(__aarch64__)
#define ARCH AUDIT_ARCH_AARCH64
#else
#error "add this architecture's AUDIT_ARCH value"
#endif

int main(int argc, char **argv) {
    if (argc < 2) {
        fprintf(stderr, "usage: %s COMMAND [ARG...]\n", argv[0]);
        return 2;
    }
    struct sock_filter filter[] = {
        BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch)),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, ARCH, 1, 0),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS),
        BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_socket, 1, 0),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
        BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, args[0])),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AF_UNIX, 3, 0),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AF_INET, 2, 0),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AF_INET6, 1, 0),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | (EAFNOSUPPORT & SECCOMP_RET_DATA)),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
    };
    struct sock_fprog program = {.len = sizeof(filter) / sizeof(filter[0]), .filter = filter};
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0 || prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &program) != 0) {
        perror("restrict-address-families: installing the seccomp filter");
        return 2;
    }
    /* The filter must refuse what systemd refuses (netlink, packet) and allow the three families. */
    int refused = socket(AF_NETLINK, SOCK_RAW, 0);
    if (refused >= 0 || errno != EAFNOSUPPORT) {
        fprintf(stderr, "restrict-address-families: AF_NETLINK was not refused\n");
        return 2;
    }
    int allowed = socket(AF_INET, SOCK_STREAM, 0);
    if (allowed < 0) {
        perror("restrict-address-families: AF_INET refused");
        return 2;
    }
    close(allowed);
    execvp(argv[1], argv + 1);
    perror("restrict-address-families: exec");
    return 127;
}
