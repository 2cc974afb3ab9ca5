/// The closed vocabularies of ModelRouter's metric labels (SPEC "Metrics": no label holds an unbounded value).
///
/// A value outside its vocabulary is exported as `other`, so a caller's typo or a new upstream status can
/// never mint new series; provider and model ids come from the catalog (bounded by its size) and routes are
/// route patterns, never raw paths.
public enum MetricLabels {
    /// Probe statuses (SPEC "Status").
    public static let statuses: Set<String> = [
        "ok", "degraded", "rate_limited", "auth_error", "not_found", "timeout", "error", "unknown",
    ]
    /// Outcomes of one upstream call.
    public static let outcomes: Set<String> = [
        "ok", "error", "timeout", "rate_limited", "auth_error", "not_found", "cancelled",
    ]
    /// What started a probe run (SPEC report `trigger`).
    public static let triggers: Set<String> = ["schedule", "manual", "single"]
    /// Which limit refused a request.
    public static let scopes: Set<String> = ["key", "provider"]
    /// Model capabilities (SPEC "Identity").
    public static let capabilities: Set<String> = ["chat", "code", "vision", "embedding"]
    /// Webhook delivery results.
    public static let notificationOutcomes: Set<String> = ["sent", "failed", "dropped"]
    /// The route label of requests that matched no route (404, 405).
    public static let unmatchedRoute = "unmatched"
    /// The label for a value outside its vocabulary.
    public static let other = "other"

    /// `value` when it is in `vocabulary`, else `other`.
    static func bounded(_ value: String, _ vocabulary: Set<String>) -> String {
        vocabulary.contains(value) ? value : other
    }

    /// Status codes as label text, made once: the HTTP hot path then copies a string instead of formatting one.
    static let codes: [String] = (0..<600).map { String($0) }

    /// The label of an HTTP status code; anything outside 100–599 is `other`.
    static func code(_ code: Int) -> String {
        (100..<600).contains(code) ? codes[code] : other
    }

    /// Ids longer than this are cut: a catalog id that long is a bug or an attack, not a model name.
    static let maxIDLength = 200

    /// A provider, model or route id, cut to ``maxIDLength`` characters.
    static func id(_ value: String) -> String {
        value.utf8.count <= maxIDLength ? value : String(value.prefix(maxIDLength))
    }
}

/// Histogram buckets sized for LLM calls (SPEC "Metrics": about 0.05 s to 120 s, not the client default).
public enum MetricBuckets {
    /// Probes, time to first token: 0.05 s … 120 s.
    public static let llm: [Duration] = [
        .milliseconds(50), .milliseconds(100), .milliseconds(250), .milliseconds(500), .seconds(1), .seconds(2),
        .seconds(4), .seconds(8), .seconds(15), .seconds(30), .seconds(60), .seconds(120),
    ]
    /// HTTP requests: the LLM buckets plus three below them, so health checks and catalog reads
    /// (well under a millisecond to a few) are not all lumped into the first bucket.
    public static let http: [Duration] = [.milliseconds(5), .milliseconds(10), .milliseconds(25)] + llm
    /// A whole probe run: seconds to tens of minutes.
    public static let probeRun: [Duration] = [
        .seconds(1), .seconds(5), .seconds(15), .seconds(30), .seconds(60), .seconds(120), .seconds(300),
        .seconds(600), .seconds(1800),
    ]
}
