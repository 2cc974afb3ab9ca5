// Typed wrappers for the libmicrohttpd calls Swift cannot import (variadics, unions).
#ifndef MR_MHD_SHIM_H
#define MR_MHD_SHIM_H
#include <stdarg.h>
#include <stdint.h>
#include <string.h>
#include <sys/types.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <microhttpd.h>

/// Starts a daemon with options passed as an array ending in MHD_OPTION_END.
static inline struct MHD_Daemon *mr_mhd_start_daemon(unsigned int flags, uint16_t port,
                                                     MHD_AccessHandlerCallback handler, void *handler_cls,
                                                     struct MHD_OptionItem *options) {
    return MHD_start_daemon(flags, port, NULL, NULL, handler, handler_cls, MHD_OPTION_ARRAY, options,
                            MHD_OPTION_END);
}

static inline struct MHD_OptionItem mr_mhd_option_uint(enum MHD_OPTION option, unsigned int value) {
    struct MHD_OptionItem item = {option, (intptr_t)value, NULL};
    return item;
}

static inline struct MHD_OptionItem mr_mhd_option_size(enum MHD_OPTION option, size_t value) {
    struct MHD_OptionItem item = {option, (intptr_t)value, NULL};
    return item;
}

static inline struct MHD_OptionItem mr_mhd_option_end(void) {
    struct MHD_OptionItem item = {MHD_OPTION_END, 0, NULL};
    return item;
}

static inline struct MHD_OptionItem mr_mhd_option_notify_completed(MHD_RequestCompletedCallback callback,
                                                                   void *cls) {
    struct MHD_OptionItem item = {MHD_OPTION_NOTIFY_COMPLETED, (intptr_t)callback, cls};
    return item;
}

/// The port the daemon is bound to (useful after binding port 0).
static inline uint16_t mr_mhd_daemon_port(struct MHD_Daemon *daemon) {
    const union MHD_DaemonInfo *info = MHD_get_daemon_info(daemon, MHD_DAEMON_INFO_BIND_PORT);
    return info ? info->port : 0;
}

/// The daemon's epoll descriptor, for an external event loop to wait on (readable when MHD has work).
static inline int mr_mhd_daemon_epoll_fd(struct MHD_Daemon *daemon) {
    const union MHD_DaemonInfo *info = MHD_get_daemon_info(daemon, MHD_DAEMON_INFO_EPOLL_FD);
    return info ? info->epoll_fd : -1;
}

/// Milliseconds until MHD must run even without I/O (a connection timeout), or -1 when nothing is due.
static inline long long mr_mhd_timeout_ms(struct MHD_Daemon *daemon) {
    MHD_UNSIGNED_LONG_LONG timeout = 0;
    if (MHD_get_timeout(daemon, &timeout) != MHD_YES) return -1;
    return (long long) timeout;
}

#include <arpa/inet.h>
#include <netinet/in.h>
static inline int mr_mhd_client_address(struct MHD_Connection *connection, char *buffer, size_t size) {
    const union MHD_ConnectionInfo *info = MHD_get_connection_info(connection, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    if (info == NULL || info->client_addr == NULL) return -1;
    const struct sockaddr *addr = info->client_addr;
    if (addr->sa_family == AF_INET) {
        return inet_ntop(AF_INET, &((const struct sockaddr_in *)addr)->sin_addr, buffer, (socklen_t)size) ? 0 : -1;
    }
    if (addr->sa_family == AF_INET6) {
        return inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)addr)->sin6_addr, buffer, (socklen_t)size) ? 0
                                                                                                          : -1;
    }
    return -1;
}

/// Fills `storage` with the IPv4/IPv6 address `host`:`port`; returns its length, or 0 if `host` is not an address.
static inline socklen_t mr_mhd_make_sockaddr(const char *host, uint16_t port, struct sockaddr_storage *storage) {
    memset(storage, 0, sizeof(*storage));
    struct sockaddr_in *v4 = (struct sockaddr_in *)storage;
    if (inet_pton(AF_INET, host, &v4->sin_addr) == 1) {
        v4->sin_family = AF_INET;
        v4->sin_port = htons(port);
        return sizeof(struct sockaddr_in);
    }
    struct sockaddr_in6 *v6 = (struct sockaddr_in6 *)storage;
    if (inet_pton(AF_INET6, host, &v6->sin6_addr) == 1) {
        v6->sin6_family = AF_INET6;
        v6->sin6_port = htons(port);
        return sizeof(struct sockaddr_in6);
    }
    return 0;
}

static inline struct MHD_OptionItem mr_mhd_option_sock_addr(struct sockaddr_storage *storage) {
    struct MHD_OptionItem item = {MHD_OPTION_SOCK_ADDR, 0, storage};
    return item;
}

#include <errno.h>
#include <fcntl.h>
#include <unistd.h>
/// A listening TCP socket on host:port (an IP literal; port 0 picks one), SO_REUSEADDR but not SO_REUSEPORT (a
/// second process on the same port must fail, not share it), non-blocking, close-on-exec. Several daemons can
/// run on it (MHD_OPTION_LISTEN_SOCKET). Returns -1 with errno set on failure.
static inline int mr_listen_socket(const char *host, uint16_t port, int backlog) {
    struct sockaddr_storage storage;
    socklen_t length = mr_mhd_make_sockaddr(host, port, &storage);
    if (length == 0) { errno = EINVAL; return -1; }
    int fd = socket(storage.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) return -1;
    int on = 1;
    (void) setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on));
    if (storage.ss_family == AF_INET6) (void) setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &on, sizeof(on));
    if (bind(fd, (struct sockaddr *) &storage, length) != 0 || listen(fd, backlog) != 0) {
        int saved = errno;
        close(fd);
        errno = saved;
        return -1;
    }
    return fd;
}

/// The local port a socket is bound to, or 0.
static inline uint16_t mr_socket_port(int fd) {
    struct sockaddr_storage storage;
    socklen_t length = sizeof(storage);
    if (getsockname(fd, (struct sockaddr *) &storage, &length) != 0) return 0;
    if (storage.ss_family == AF_INET) return ntohs(((struct sockaddr_in *) &storage)->sin_port);
    if (storage.ss_family == AF_INET6) return ntohs(((struct sockaddr_in6 *) &storage)->sin6_port);
    return 0;
}

static inline struct MHD_OptionItem mr_mhd_option_listen_socket(int fd) {
    struct MHD_OptionItem item = { MHD_OPTION_LISTEN_SOCKET, (intptr_t) fd, NULL };
    return item;
}

#endif
