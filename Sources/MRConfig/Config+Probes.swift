/// The `probes` section: the schedule and shape of probe runs, and how results become up/down states.
public struct ProbeConfig: Sendable, Equatable {
    /// Bounds of each setting (``interval`` may also be 0, which disables the schedule).
    public static let intervalRange: ClosedRange<Duration> = .seconds(1) ... .seconds(7 * 86_400)
    public static let workersRange = 1...256
    public static let delayRange: ClosedRange<Duration> = .zero ... .seconds(600)
    public static let timeoutRange: ClosedRange<Duration> = .milliseconds(100) ... .seconds(600)
    public static let degradedAfterRange: ClosedRange<Duration> = .milliseconds(1) ... .seconds(600)
    public static let thresholdRange = 1...100

    /// Time between scheduled runs; zero disables the schedule (on-demand runs still work).
    public var interval: Duration
    /// Probes running in parallel.
    public var workers: Int
    /// Pause between two probe starts, per worker.
    public var delay: Duration
    /// Bound on one probe.
    public var timeout: Duration
    /// A probe that succeeds but takes longer than this is `degraded`.
    public var degradedAfter: Duration
    /// Consecutive failed probes before a deployment goes down.
    public var failureThreshold: Int
    /// Consecutive good probes before a down deployment is up again.
    public var successThreshold: Int

    /// A probes section; every parameter defaults to the SPEC's value.
    public init(
        interval: Duration = .seconds(300),
        workers: Int = 4,
        delay: Duration = .milliseconds(250),
        timeout: Duration = .seconds(30),
        degradedAfter: Duration = .seconds(5),
        failureThreshold: Int = 2,
        successThreshold: Int = 1
    ) {
        self.interval = interval
        self.workers = workers
        self.delay = delay
        self.timeout = timeout
        self.degradedAfter = degradedAfter
        self.failureThreshold = failureThreshold
        self.successThreshold = successThreshold
    }

    /// Whether scheduled runs happen at all (`interval` is not zero).
    public var isScheduled: Bool { interval > .zero }
}

extension ProbeConfig {
    static let keys = [
        "interval", "workers", "delay", "timeout", "degraded_after", "failure_threshold", "success_threshold",
    ]

    /// Reads the section over `defaults`: keys absent from the file keep their default.
    init(from node: ConfigNode, defaults: ProbeConfig) throws(ConfigError) {
        self = defaults
        let map = try node.mapping(allowedKeys: Self.keys)
        if let value = map["interval"] { interval = try value.duration(in: Self.intervalRange, zeroAllowed: true) }
        if let value = map["workers"] { workers = try value.int(in: Self.workersRange) }
        if let value = map["delay"] { delay = try value.duration(in: Self.delayRange) }
        if let value = map["timeout"] { timeout = try value.duration(in: Self.timeoutRange) }
        if let value = map["degraded_after"] { degradedAfter = try value.duration(in: Self.degradedAfterRange) }
        if let value = map["failure_threshold"] { failureThreshold = try value.int(in: Self.thresholdRange) }
        if let value = map["success_threshold"] { successThreshold = try value.int(in: Self.thresholdRange) }
    }
}
