import MRConfig

/// How one simulated model looks and behaves: what its listing says, how fast it answers, and how it
/// fails. Every random part is drawn from the provider's seeded generator, so the same seed replays the
/// same behaviour; simulated durations are multiplied by the provider's `timeScale`, wall-clock parts
/// (the flapping cycle, the rpm window, `Retry-After`) are not.
package struct SimulatedProfile: Sendable, Hashable {
    /// When the model answers at all.
    package enum Availability: Sendable, Hashable {
        /// Answers (subject to the random failure, timeout and cut rates).
        case up
        /// Every call fails with the profile's ``downFailure``.
        case alwaysDown
        /// Up for `up`, then down for `down`, on a cycle aligned to the Unix epoch (shifted by `offset`),
        /// so every instance and every probe agrees on the phase.
        case flapping(up: Duration, down: Duration, offset: Duration = .zero)
    }

    /// How a down model answers: by default 503 Service Unavailable, classified `error`.
    package struct Failure: Sendable, Hashable {
        package var kind: ProviderError.Kind
        package var httpStatus: Int?
        package var message: String

        package init(kind: ProviderError.Kind, httpStatus: Int?, message: String) {
            self.kind = kind
            self.httpStatus = httpStatus
            self.message = message
        }

        package static let serviceUnavailable = Failure(
            kind: .error, httpStatus: 503, message: "simulated outage: service unavailable")
        package static let internalError = Failure(
            kind: .error, httpStatus: 500, message: "simulated internal server error")
        package static let authError = Failure(
            kind: .authError, httpStatus: 401, message: "simulated authentication failure")

        /// The error this failure throws for `model`.
        func error(model: String) -> ProviderError {
            ProviderError(kind: kind, message: "\(model): \(message)", httpStatus: httpStatus)
        }
    }

    package var displayName: String?
    package var capabilities: [Capability]
    package var contextLength: Int
    /// US dollars per million input tokens.
    package var inputCostPerMTok: Double
    /// US dollars per million output tokens.
    package var outputCostPerMTok: Double

    /// Until the first token (or until a failure answers).
    package var timeToFirstToken: LogNormalDelay
    /// Pace of the answer after its first token.
    package var tokensPerSecond: Double
    /// How long an answer is when `maxTokens` does not stop it first.
    package var answerTokens: ClosedRange<Int>

    package var availability: Availability
    package var downFailure: Failure
    /// Share of calls that fail with 500 before the first token.
    package var failureRate: Double
    /// Share of calls that never answer: they stall until the caller's first-token timeout.
    package var timeoutRate: Double
    /// Share of streamed answers cut after some tokens, without a finish (a mid-stream failure).
    package var cutRate: Double
    /// Requests per minute the model accepts (a sliding 60 s window); beyond that a 429 with
    /// `Retry-After`. 0 = no limit.
    package var rpm: Int

    package init(
        displayName: String? = nil,
        capabilities: [Capability] = [.chat],
        contextLength: Int = 8192,
        inputCostPerMTok: Double = 0,
        outputCostPerMTok: Double = 0,
        timeToFirstToken: LogNormalDelay = LogNormalDelay(median: .milliseconds(200)),
        tokensPerSecond: Double = 80,
        answerTokens: ClosedRange<Int> = 12...40,
        availability: Availability = .up,
        downFailure: Failure = .serviceUnavailable,
        failureRate: Double = 0,
        timeoutRate: Double = 0,
        cutRate: Double = 0,
        rpm: Int = 0
    ) {
        self.displayName = displayName
        self.capabilities = capabilities
        self.contextLength = contextLength
        self.inputCostPerMTok = inputCostPerMTok
        self.outputCostPerMTok = outputCostPerMTok
        self.timeToFirstToken = timeToFirstToken
        self.tokensPerSecond = tokensPerSecond
        self.answerTokens = max(1, answerTokens.lowerBound)...max(1, answerTokens.upperBound)
        self.availability = availability
        self.downFailure = downFailure
        self.failureRate = failureRate
        self.timeoutRate = timeoutRate
        self.cutRate = cutRate
        self.rpm = max(0, rpm)
    }

    /// Whether the model can answer chat requests (anything but a pure embedding model).
    package var servesChat: Bool {
        capabilities.contains { $0 != .embedding }
    }

    /// Whether the model is up at `time` (since the Unix epoch), before any random failure.
    package func isUp(at time: Duration) -> Bool {
        switch availability {
        case .up:
            return true
        case .alwaysDown:
            return false
        case .flapping(let up, let down, let offset):
            let cycle = (up + down).simulatedNanoseconds
            guard cycle > 0 else { return true }
            var phase = (time + offset).simulatedNanoseconds % cycle
            if phase < 0 { phase += cycle }
            return phase < up.simulatedNanoseconds
        }
    }
}

extension Duration {
    /// Whole nanoseconds, saturating (ample: ±292 years); named for this file's concern so it cannot
    /// collide with a similar helper elsewhere in the module.
    var simulatedNanoseconds: Int64 {
        let (seconds, attoseconds) = components
        let (scaled, overflow) = seconds.multipliedReportingOverflow(by: 1_000_000_000)
        guard !overflow else { return seconds < 0 ? .min : .max }
        let (sum, overflow2) = scaled.addingReportingOverflow(attoseconds / 1_000_000_000)
        guard !overflow2 else { return seconds < 0 ? .min : .max }
        return sum
    }
}
