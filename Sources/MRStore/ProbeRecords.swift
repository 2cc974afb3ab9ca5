#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// One probe result, as stored in the time series and shown in reports.
public struct ProbeResultRecord: Sendable, Hashable {
    /// The run (report) the result belongs to; nil for a result outside any run.
    public var runID: Int64?
    public var model: String
    public var provider: String
    /// A SPEC status name: `ok`, `degraded`, `rate_limited`, `auth_error`, `not_found`, `timeout`, `error`
    /// or `unknown`. Anything else is refused.
    public var status: String
    /// Total latency. Negative values are stored as nil; values over a day are clamped.
    public var latencyMs: Int?
    /// Time to first token, same rules as `latencyMs`.
    public var ttftMs: Int?
    public var httpStatus: Int?
    /// Why it failed; cut to `Store.maximumProbeErrorBytes`.
    public var error: String?
    /// When the result was taken; stored at millisecond precision.
    public var checkedAt: Date

    public init(
        runID: Int64? = nil, model: String, provider: String, status: String, latencyMs: Int? = nil,
        ttftMs: Int? = nil, httpStatus: Int? = nil, error: String? = nil, checkedAt: Date
    ) {
        self.runID = runID
        self.model = model
        self.provider = provider
        self.status = status
        self.latencyMs = latencyMs
        self.ttftMs = ttftMs
        self.httpStatus = httpStatus
        self.error = error
        self.checkedAt = checkedAt
    }
}

/// A probe run: the report of one batch (scheduled or manual) or of one single probe.
public struct ProbeRunRecord: Sendable, Hashable {
    public var id: Int64
    /// `schedule`, `manual` or `single`.
    public var trigger: String
    public var startedAt: Date
    /// Nil while running.
    public var finishedAt: Date?
    public var workers: Int
    public var delayMs: Int
    public var timeoutMs: Int
    /// Deployments the run meant to probe.
    public var total: Int
    /// `running`, `finished` or `cancelled`.
    public var outcome: String
    /// Results per status name.
    public var summary: [String: Int]

    public init(
        id: Int64, trigger: String, startedAt: Date, finishedAt: Date? = nil, workers: Int, delayMs: Int,
        timeoutMs: Int, total: Int, outcome: String = "running", summary: [String: Int] = [:]
    ) {
        self.id = id
        self.trigger = trigger
        self.startedAt = startedAt
        self.finishedAt = finishedAt
        self.workers = workers
        self.delayMs = delayMs
        self.timeoutMs = timeoutMs
        self.total = total
        self.outcome = outcome
        self.summary = summary
    }
}

/// A deployment's state change: one entry of the incident history.
public struct DeploymentEventRecord: Sendable, Hashable {
    /// Assigned by the store; pass 0 when inserting. Newer events have larger ids (the pagination cursor).
    public var id: Int64
    public var model: String
    public var provider: String
    /// `up`, `down` or `unknown`.
    public var fromState: String
    /// `up`, `down` or `unknown`.
    public var toState: String
    /// The status of the result that caused the change.
    public var status: String
    /// Cut to `Store.maximumProbeErrorBytes`.
    public var error: String?
    /// `probe` or `traffic`.
    public var source: String
    public var at: Date

    public init(
        id: Int64 = 0, model: String, provider: String, fromState: String, toState: String, status: String,
        error: String? = nil, source: String, at: Date
    ) {
        self.id = id
        self.model = model
        self.provider = provider
        self.fromState = fromState
        self.toState = toState
        self.status = status
        self.error = error
        self.source = source
        self.at = at
    }
}

/// Everything `/api/availability` shows for one deployment, and what start-up restores.
///
/// Uptime is available results (`ok`, `degraded`) over every result except `unknown` (`rate_limited`
/// counts against uptime: the deployment could not serve). Windows end at `now`: `1h` is exact (results in
/// `(now − 1h, now]`); `24h`, `7d` and `30d` are aligned to whole hours: the current hour plus the 23, 167
/// and 719 hours before it. Nil without results in the window. (The current hour is read from its roll-up
/// as a whole, so with a `now` in the past, results later in that hour count too.)
/// Percentiles come from the hourly histograms of the `24h` window and cover available results only (a
/// fast 401 says nothing about the model's speed); see `LatencyHistogram` for their precision.
public struct DeploymentAvailabilityRecord: Sendable, Hashable {
    public var model: String
    public var provider: String
    /// The newest stored result's status; nil when none was ever stored.
    public var lastStatus: String?
    public var lastChecked: Date?
    public var lastLatencyMs: Int?
    public var lastTTFTMs: Int?
    /// The error of the newest result that was neither available nor `unknown` (`rate_limited` included),
    /// or its status name when it carried no message.
    public var lastError: String?
    public var lastErrorAt: Date?
    public var uptime1h: Double?
    public var uptime24h: Double?
    public var uptime7d: Double?
    public var uptime30d: Double?
    public var latencyP50Ms: Int?
    public var latencyP95Ms: Int?
    public var ttftP50Ms: Int?
    /// The `toState` of the deployment's newest event (for restoring state at start-up); nil without any.
    public var currentState: String?

    public init(
        model: String, provider: String, lastStatus: String? = nil, lastChecked: Date? = nil,
        lastLatencyMs: Int? = nil, lastTTFTMs: Int? = nil, lastError: String? = nil, lastErrorAt: Date? = nil,
        uptime1h: Double? = nil, uptime24h: Double? = nil, uptime7d: Double? = nil, uptime30d: Double? = nil,
        latencyP50Ms: Int? = nil, latencyP95Ms: Int? = nil, ttftP50Ms: Int? = nil, currentState: String? = nil
    ) {
        self.model = model
        self.provider = provider
        self.lastStatus = lastStatus
        self.lastChecked = lastChecked
        self.lastLatencyMs = lastLatencyMs
        self.lastTTFTMs = lastTTFTMs
        self.lastError = lastError
        self.lastErrorAt = lastErrorAt
        self.uptime1h = uptime1h
        self.uptime24h = uptime24h
        self.uptime7d = uptime7d
        self.uptime30d = uptime30d
        self.latencyP50Ms = latencyP50Ms
        self.latencyP95Ms = latencyP95Ms
        self.ttftP50Ms = ttftP50Ms
        self.currentState = currentState
    }
}

/// One bucket of a deployment's history, for charts.
public struct HistoryPoint: Sendable, Hashable {
    /// The bucket's start; buckets are aligned to multiples of the step since 1970 (UTC).
    public var start: Date
    public var provider: String
    /// Every result in the bucket, `unknown` included.
    public var total: Int
    /// `ok` and `degraded` results.
    public var available: Int
    /// Results per status name (statuses with none are left out).
    public var counts: [String: Int]
    /// Percentiles of available results: exact from raw rows (steps under an hour), from the hourly
    /// histograms otherwise.
    public var latencyP50Ms: Int?
    public var latencyP95Ms: Int?
    public var ttftP50Ms: Int?

    public init(
        start: Date, provider: String, total: Int, available: Int, counts: [String: Int], latencyP50Ms: Int? = nil,
        latencyP95Ms: Int? = nil, ttftP50Ms: Int? = nil
    ) {
        self.start = start
        self.provider = provider
        self.total = total
        self.available = available
        self.counts = counts
        self.latencyP50Ms = latencyP50Ms
        self.latencyP95Ms = latencyP95Ms
        self.ttftP50Ms = ttftP50Ms
    }

    /// `available` over every result except `unknown` (the uptime rule of `/api/availability`); nil when
    /// there is none.
    public var uptime: Double? {
        let counted = total - (counts["unknown"] ?? 0)
        return counted > 0 ? Double(available) / Double(counted) : nil
    }
}
