/// A deployment's recent time to first token: an exponentially weighted moving average of what traffic
/// observed, so the `latency` strategy follows the last few minutes rather than all history.
///
/// With `alpha` 0.3 a sample's weight halves about every two samples: a deployment that became slow is
/// ranked by its new speed after three or four requests.
public struct LatencyEstimate: Sendable, Hashable {
    /// Weight of the newest sample.
    public let alpha: Double
    /// The average in milliseconds; nil before the first sample.
    public private(set) var milliseconds: Double?
    /// Samples seen (for tests and diagnostics).
    public private(set) var samples = 0

    public init(alpha: Double = 0.3) {
        self.alpha = min(1, max(0.01, alpha))
    }

    /// Adds one observation (negative or non-finite values are ignored).
    public mutating func add(milliseconds sample: Double) {
        guard sample.isFinite, sample >= 0 else { return }
        samples += 1
        milliseconds = milliseconds.map { $0 + alpha * (sample - $0) } ?? sample
    }
}
