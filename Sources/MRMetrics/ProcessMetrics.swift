#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The standard `process_*` metrics that Prometheus client libraries export, read from `/proc` at each
/// scrape: resident and virtual memory, CPU seconds, open and maximum file descriptors, start time.
///
/// Each scrape costs two small file reads, one directory listing and a `getrlimit`; nothing is cached except the
/// start time, which never changes. Where `/proc/stat` is hidden (the unit's `ProcSubset=pid`) or there is no
/// `/proc` at all, the start time is the moment the metrics were created, within a second of the real one.
struct ProcessMetrics: Sendable {
    /// Unix time the process started, in seconds.
    let startTime: Double
    private let clockTicksPerSecond: Double
    private let pageSize: Double

    init() {
        clockTicksPerSecond = Double(max(1, sysconf(Int32(_SC_CLK_TCK))))
        pageSize = Double(max(1, sysconf(Int32(_SC_PAGESIZE))))
        let bootTime = Self.bootTime()
        let startTicks = Self.statFields().flatMap { $0.count > 19 ? Double($0[19]) : nil }
        if let bootTime, let startTicks {
            startTime = bootTime + startTicks / clockTicksPerSecond
        } else {
            var now = timespec()
            clock_gettime(CLOCK_REALTIME, &now)
            startTime = Double(now.tv_sec) + Double(now.tv_nsec) / 1e9
        }
    }

    /// What one scrape reports.
    struct Sample: Equatable {
        var cpuSeconds: Double?
        var residentBytes: Double?
        var virtualBytes: Double?
        var openFDs: Int?
        var maxFDs: Int?
    }

    /// Reads the current values.
    func sample() -> Sample {
        var sample = Sample()
        // /proc/self/stat after the `(comm)` field: state is [0], utime [11], stime [12], vsize [20], rss [21].
        if let fields = Self.statFields(), fields.count > 21,
            let utime = Double(fields[11]), let stime = Double(fields[12]), let vsize = Double(fields[20]),
            let rss = Double(fields[21])
        {
            sample.cpuSeconds = (utime + stime) / clockTicksPerSecond
            sample.virtualBytes = vsize
            sample.residentBytes = rss * pageSize
        }
        sample.openFDs = Self.openFileDescriptors()
        var limit = rlimit()
        if getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0 {
            sample.maxFDs = limit.rlim_cur == rlim_t.max ? Int.max : Int(clamping: limit.rlim_cur)
        }
        return sample
    }

    /// Appends the `process_*` families in the text format.
    func emit(into buffer: inout [UInt8]) {
        let sample = sample()
        func family(_ name: String, _ type: String, _ help: String, _ value: String?) {
            guard let value else { return }
            buffer.append(contentsOf: "# HELP \(name) \(help)\n# TYPE \(name) \(type)\n\(name) \(value)\n".utf8)
        }
        family(
            "process_cpu_seconds_total", "counter", "Total user and system CPU time spent in seconds.",
            sample.cpuSeconds.map { "\($0)" })
        family(
            "process_resident_memory_bytes", "gauge", "Resident memory size in bytes.",
            sample.residentBytes.map { "\(Int64($0))" })
        family(
            "process_virtual_memory_bytes", "gauge", "Virtual memory size in bytes.",
            sample.virtualBytes.map { "\(Int64($0))" })
        family(
            "process_open_fds", "gauge", "Number of open file descriptors.", sample.openFDs.map { "\($0)" })
        family(
            "process_max_fds", "gauge", "Maximum number of open file descriptors.", sample.maxFDs.map { "\($0)" })
        family(
            "process_start_time_seconds", "gauge", "Start time of the process since unix epoch in seconds.",
            "\(startTime)")
    }

    // MARK: /proc

    /// The fields of `/proc/self/stat` after the command name (which may itself contain spaces and parentheses,
    /// so the split starts after the last `)`).
    static func statFields() -> [Substring]? {
        guard let text = readSmallFile("/proc/self/stat"), let close = text.lastIndex(of: ")") else { return nil }
        return text[text.index(after: close)...].split(separator: " ")
    }

    /// `btime` from `/proc/stat`: boot time in Unix seconds.
    static func bootTime() -> Double? {
        guard let text = readSmallFile("/proc/stat", limit: 1 << 16) else { return nil }
        for line in text.split(separator: "\n") where line.hasPrefix("btime ") {
            return Double(line.dropFirst(6).trimmingPrefix(" "))
        }
        return nil
    }

    /// Entries of `/proc/self/fd`, less the one `opendir` itself holds while counting.
    static func openFileDescriptors() -> Int? {
        guard let directory = opendir("/proc/self/fd") else { return nil }
        defer { closedir(directory) }
        // Only the name's first byte is read, in place: a `dirent` from `readdir` is only `d_reclen` bytes
        // long, so copying the whole struct (`entry.pointee`) can read past the end of glibc's buffer and
        // fault when that end is a page boundary.
        let nameOffset = MemoryLayout<dirent>.offset(of: \dirent.d_name) ?? 19
        var count = 0
        while let entry = readdir(directory) {
            let first = UnsafeRawPointer(entry).load(fromByteOffset: nameOffset, as: UInt8.self)
            if first != UInt8(ascii: ".") { count += 1 }
        }
        return max(0, count - 1)
    }

    /// A whole small file through POSIX calls (no Foundation on the scrape path); nil when unreadable.
    static func readSmallFile(_ path: String, limit: Int = 8192) -> String? {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var bytes = [UInt8](repeating: 0, count: limit)
        var length = 0
        while length < limit {
            let got = bytes.withUnsafeMutableBytes { read(fd, $0.baseAddress! + length, limit - length) }
            if got < 0 && errno == EINTR { continue }
            if got <= 0 { break }
            length += got
        }
        return String(decoding: bytes[..<length], as: UTF8.self)
    }
}
