/// What one simulated call does, decided up front as a pure value of the profile, the provider's seed,
/// the model, the call's index and the request. Durations here are simulated (before `timeScale`).
package enum SimulatedOutcome: Sendable, Hashable {
    /// Fails before any token, once `after` has passed.
    case failure(ProviderError, after: Duration)
    /// Never answers: only the caller's timeout (or cancellation) ends the call.
    case stall
    /// Answers with tokens.
    case answer(SimulatedAnswer)
}

/// A simulated answer: its tokens and their timing.
package struct SimulatedAnswer: Sendable, Hashable {
    package var timeToFirstToken: Duration
    /// Between two tokens after the first.
    package var tokenInterval: Duration
    /// Never empty.
    package var tokens: [String]
    /// `stop` or `length`; nil when the stream is cut after `tokens`, without a finish.
    package var finishReason: String?
    package var usage: Usage

    /// Simulated time from the request to the last token.
    package var duration: Duration {
        timeToFirstToken + tokenInterval * (tokens.count - 1)
    }
}

extension SimulatedProfile {
    /// Words the answers are made of: deterministic, plausible-looking, obviously not a real answer.
    static let vocabulary = [
        "lorem", "ipsum", "dolor", "sit", "amet", "consectetur", "adipiscing", "elit", "sed", "do", "eiusmod",
        "tempor", "incididunt", "ut", "labore", "et", "dolore", "magna", "aliqua", "enim", "ad", "minim",
        "veniam", "quis", "nostrud", "exercitation", "ullamco", "laboris", "nisi", "aliquip", "ex", "ea",
        "commodo", "consequat", "duis", "aute", "irure", "in", "reprehenderit", "voluptate", "velit", "esse",
        "cillum", "fugiat", "nulla", "pariatur", "excepteur", "sint", "occaecat", "cupidatat", "non", "proident",
        "sunt", "culpa", "qui", "officia", "deserunt", "mollit", "anim", "id", "est", "laborum", "simulated",
        "answer",
    ]

    /// The outcome of call number `callIndex` (from 0) to `model`.
    ///
    /// - Parameters:
    ///   - isUp: whether the model is up at the call's time (see ``isUp(at:)``); a down model fails with
    ///     ``downFailure`` after a sampled time to first token.
    ///   - promptTokens: reported back in the usage.
    ///   - maxTokens: caps the answer; an answer that reaches it finishes with `length`.
    ///   - mayCut: whether a cut mid-answer is possible (streams; a non-streamed cut is an error anyway).
    package func outcome(
        model: String, seed: UInt64, callIndex: UInt64, isUp: Bool, promptTokens: Int, maxTokens: Int?,
        mayCut: Bool = true
    ) -> SimulatedOutcome {
        var generator = SplitMix64(seed: seed, model: model, callIndex: callIndex)
        // A fixed order of draws, whatever the outcome, so one call's path never shifts another's values.
        let roll = generator.nextUnit()
        let firstToken = timeToFirstToken.sample(using: &generator)
        let naturalLength = generator.nextInt(in: answerTokens)
        let cutRoll = generator.nextUnit()
        let cutPoint = generator.nextUnit()

        guard isUp else { return .failure(downFailure.error(model: model), after: firstToken) }
        if roll < failureRate {
            return .failure(Failure.internalError.error(model: model), after: firstToken)
        }
        if roll < failureRate + timeoutRate { return .stall }

        let limit = max(1, maxTokens ?? Int.max)
        let count = min(naturalLength, limit)
        var finishReason: String? = count < naturalLength ? "length" : "stop"
        var emitted = count
        if mayCut, count >= 2, cutRoll < cutRate {
            emitted = 1 + Int(cutPoint * Double(count - 1))
            finishReason = nil
        }
        var tokens: [String] = []
        tokens.reserveCapacity(emitted)
        for index in 0..<emitted {
            let word = Self.vocabulary[generator.nextInt(in: 0...(Self.vocabulary.count - 1))]
            tokens.append(index == 0 ? word.capitalizedFirst : " " + word)
        }
        if finishReason == "stop" { tokens[tokens.count - 1] += "." }
        let rate = tokensPerSecond > 0 ? tokensPerSecond : 1
        return .answer(
            SimulatedAnswer(
                timeToFirstToken: firstToken, tokenInterval: .seconds(1 / rate), tokens: tokens,
                finishReason: finishReason, usage: Usage(promptTokens: promptTokens, completionTokens: emitted)))
    }
}

extension String {
    fileprivate var capitalizedFirst: String {
        guard let first else { return self }
        return first.uppercased() + dropFirst()
    }
}
