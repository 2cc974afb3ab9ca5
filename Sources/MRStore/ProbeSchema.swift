/// The probe time series: schema (migration 3), status codes and the bounds the store enforces.
///
/// Layout, chosen for write amplification, size, and the queries `/api/availability` and the reports make:
/// - `deployments` gives every (model, provider) pair a small integer id, so the millions of raw rows
///   carry two bytes instead of two strings. It also keeps each deployment's last error.
/// - `probe_results` is clustered by time (`WITHOUT ROWID`, key (checked_at, deployment_id)), with no
///   secondary index: results arrive in time order, so a batch appends to the last pages of one B-tree
///   instead of dirtying one page per deployment (which, under WAL, writes a 4 KB page per result and
///   caps ingest at a few thousand results a second). A raw sample costs about 35 bytes on disk. Per-
///   deployment questions go to the roll-ups; the raw rows answer time ranges (the last hour, sub-hour
///   history, a run's results, pruning). A deployment cannot have two results in one millisecond: a
///   collision moves the later result by 1 ms.
/// - `probe_rollups_hourly` (counts per status, latency and TTFT count/sum/min/max and sparse log-bucket
///   histograms) and `probe_rollups_daily` (counts per status) are clustered by (bucket, deployment), so
///   the current hour's rows of every deployment sit together (the daily rows only hold what uptime needs:
///   available and counted results), and updated in the transaction that inserts
///   the raw rows: they always summarise exactly what is stored. They are kept far longer than raw rows.
///   Each batch merges into a row with one `UPSERT`: counts and sums add up in SQL, and the sparse
///   histograms are concatenated (their encoding adds up repeated buckets); the hourly upkeep
///   (`compactProbeRollups`) re-encodes recent rows compactly. An hourly row also keeps the hour's
///   newest result, so a deployment's newest row gives its last result. An index by (deployment, hour)
///   serves one model's history and that lookup; it changes only when a row is created.
/// - `probe_runs` are the reports; a run remembers the time span of its results so they can be found
///   in `probe_results` without an index on the run id.
/// - `deployment_events` is the incident history (state changes).
///
/// No foreign keys on the hot tables: the ids are resolved in the same transaction that uses them, and an
/// enforced key would cost a lookup per raw row.
extension Store {
    /// Schema of migration 3.
    static let probeSchema = """
        CREATE TABLE deployments (
            id INTEGER PRIMARY KEY,
            model TEXT NOT NULL,
            provider TEXT NOT NULL,
            last_error TEXT,              -- the last failed result's error (or its status when it had none)
            last_error_at INTEGER,
            UNIQUE (model, provider)
        ) STRICT;

        CREATE TABLE probe_results (
            checked_at INTEGER NOT NULL,  -- milliseconds since 1970
            deployment_id INTEGER NOT NULL,
            status INTEGER NOT NULL,      -- ProbeStatusCode
            latency_ms INTEGER,
            ttft_ms INTEGER,
            http_status INTEGER,
            run_id INTEGER,
            error TEXT,                   -- at most Store.maximumProbeErrorBytes
            PRIMARY KEY (checked_at, deployment_id)
        ) STRICT, WITHOUT ROWID;

        -- Columns in the order /api/availability reads them (a record is parsed from its start).
        CREATE TABLE probe_rollups_hourly (
            hour INTEGER NOT NULL,        -- hours since 1970 (UTC)
            deployment_id INTEGER NOT NULL,
            available INTEGER NOT NULL DEFAULT 0,   -- ok + degraded
            counted INTEGER NOT NULL DEFAULT 0,     -- every status but unknown
            -- latency and TTFT of available results (ok, degraded) only
            latency_count INTEGER NOT NULL DEFAULT 0,
            latency_min INTEGER,
            latency_max INTEGER,
            latency_hist BLOB,            -- LatencyHistogram, sparse encoding
            ttft_count INTEGER NOT NULL DEFAULT 0,
            ttft_min INTEGER,
            ttft_max INTEGER,
            ttft_hist BLOB,
            latency_sum INTEGER NOT NULL DEFAULT 0,
            ttft_sum INTEGER NOT NULL DEFAULT 0,
            n_ok INTEGER NOT NULL DEFAULT 0,
            n_degraded INTEGER NOT NULL DEFAULT 0,
            n_rate_limited INTEGER NOT NULL DEFAULT 0,
            n_auth_error INTEGER NOT NULL DEFAULT 0,
            n_not_found INTEGER NOT NULL DEFAULT 0,
            n_timeout INTEGER NOT NULL DEFAULT 0,
            n_error INTEGER NOT NULL DEFAULT 0,
            n_unknown INTEGER NOT NULL DEFAULT 0,
            -- the newest result of the hour, so the newest row of a deployment holds its last result
            last_checked_at INTEGER,
            last_status INTEGER,
            last_latency_ms INTEGER,
            last_ttft_ms INTEGER,
            PRIMARY KEY (hour, deployment_id)
        ) STRICT, WITHOUT ROWID;
        CREATE INDEX probe_rollups_hourly_by_deployment ON probe_rollups_hourly (deployment_id, hour);

        -- only what the 7d and 30d uptimes need; per-status counts are in the hourly roll-ups
        CREATE TABLE probe_rollups_daily (
            day INTEGER NOT NULL,         -- days since 1970 (UTC)
            deployment_id INTEGER NOT NULL,
            available INTEGER NOT NULL,   -- ok + degraded
            counted INTEGER NOT NULL,     -- every status but unknown
            PRIMARY KEY (day, deployment_id)
        ) STRICT, WITHOUT ROWID;

        -- AUTOINCREMENT: a report id, once shown in a URL, never names another run after pruning.
        CREATE TABLE probe_runs (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            run_trigger TEXT NOT NULL CHECK (run_trigger IN ('schedule', 'manual', 'single')),
            started_at INTEGER NOT NULL,
            finished_at INTEGER,
            workers INTEGER NOT NULL,
            delay_ms INTEGER NOT NULL,
            timeout_ms INTEGER NOT NULL,
            total INTEGER NOT NULL,
            outcome TEXT NOT NULL DEFAULT 'running' CHECK (outcome IN ('running', 'finished', 'cancelled')),
            summary TEXT NOT NULL DEFAULT '{}',   -- JSON object, status → count
            first_checked_at INTEGER,             -- time span of the run's rows in probe_results
            last_checked_at INTEGER
        ) STRICT;
        CREATE INDEX probe_runs_running ON probe_runs (id) WHERE outcome = 'running';

        CREATE TABLE deployment_events (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            deployment_id INTEGER NOT NULL,
            at INTEGER NOT NULL,
            from_state TEXT NOT NULL CHECK (from_state IN ('up', 'down', 'unknown')),
            to_state TEXT NOT NULL CHECK (to_state IN ('up', 'down', 'unknown')),
            status TEXT NOT NULL,
            error TEXT,
            source TEXT NOT NULL CHECK (source IN ('probe', 'traffic'))
        ) STRICT;
        CREATE INDEX deployment_events_by_deployment ON deployment_events (deployment_id, id);
        """

    /// The longest error text stored with a result or an event, in UTF-8 bytes; longer text is cut (at a
    /// character boundary) and marked with "…".
    public static let maximumProbeErrorBytes = 2048

    /// The longest model or provider id accepted, in UTF-8 bytes.
    public static let maximumDeploymentNameBytes = 512

    /// The largest latency or TTFT stored, in milliseconds (one day); larger values are clamped.
    public static let maximumProbeLatencyMs = 86_400_000

    /// How long roll-ups, reports and incidents are kept, in days (raw results follow `retention_days`).
    public static let rollupRetentionDays = 400

    /// The run triggers a report can have.
    public static let probeRunTriggers: Set<String> = ["schedule", "manual", "single"]

    /// The outcomes a run can have; `running` until it finishes or is cancelled.
    public static let probeRunOutcomes: Set<String> = ["running", "finished", "cancelled"]

    /// The deployment states an event can name.
    public static let deploymentStates: Set<String> = ["up", "down", "unknown"]

    /// Where a state change came from.
    public static let deploymentEventSources: Set<String> = ["probe", "traffic"]

    static let millisecondsPerHour: Int64 = 3_600_000
    static let millisecondsPerDay: Int64 = 86_400_000
}

/// A probe status as stored in raw rows: a small integer, in the order of the roll-ups' count columns.
enum ProbeStatusCode: Int, CaseIterable, Sendable {
    case ok = 0, degraded, rateLimited, authError, notFound, timeout, error, unknown

    /// The SPEC names, indexed by code.
    static let names = ["ok", "degraded", "rate_limited", "auth_error", "not_found", "timeout", "error", "unknown"]

    /// The roll-up count columns, indexed by code.
    static let countColumns = names.map { "n_" + $0 }

    init?(name: String) {
        guard let index = Self.names.firstIndex(of: name) else { return nil }
        self.init(rawValue: index)
    }

    var name: String { Self.names[rawValue] }

    /// `ok` or `degraded`.
    var isAvailable: Bool { self == .ok || self == .degraded }
}

extension Store {
    /// Whether `status` is one of the SPEC's status names (`ok`, `degraded`, …, `unknown`).
    public static func isProbeStatus(_ status: String) -> Bool { ProbeStatusCode(name: status) != nil }

    /// `text` cut to at most `maximumProbeErrorBytes` UTF-8 bytes at a character boundary, marked with "…".
    static func truncatedError(_ text: String?) -> String? {
        guard let text, text.utf8.count > maximumProbeErrorBytes else { return text }
        let limit = maximumProbeErrorBytes - 3  // room for "…"
        var bytes = 0
        var end = text.startIndex
        for index in text.indices {
            let next = text.index(after: index)
            let size = text.utf8.distance(from: index, to: next)
            if bytes + size > limit { break }
            bytes += size
            end = next
        }
        return String(text[..<end]) + "…"
    }

    /// Validates a model or provider id.
    static func validatedName(_ value: String, field: String) throws(StoreError) -> String {
        guard !value.isEmpty else { throw .invalidInput("\(field) must not be empty") }
        guard value.utf8.count <= maximumDeploymentNameBytes else {
            throw .invalidInput("\(field) must be at most \(maximumDeploymentNameBytes) bytes")
        }
        return value
    }

    /// A latency as stored: nil for a negative (meaningless) value, clamped to a day.
    static func clampedLatency(_ value: Int?) -> Int? {
        guard let value, value >= 0 else { return nil }
        return min(value, maximumProbeLatencyMs)
    }
}
