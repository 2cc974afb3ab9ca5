import MRConfig

/// The `serve --demo` provider: a dozen simulated models of varied cost, latency, capability and
/// reliability, so a newcomer sees probes, availability, routing and fallback without any vendor key.
///
/// Every model's publisher is `demo` (`demo/fast-chat`, …), which also marks it as simulated in any list.
/// The characters: one always down (`demo/always-down`, 503), one flapping on a wall-clock cycle
/// (`demo/flappy`), one rate-limited (`demo/rate-limited`, 2 requests a minute, then 429 with
/// `Retry-After`), one that sometimes stalls until the caller's timeout (`demo/sometimes-stalls`), one
/// that sometimes fails or is cut mid-stream (`demo/glitchy`); the rest are healthy.
package enum DemoProvider {
    /// The demo provider's id.
    package static let id = "demo"

    /// The provider entry `--demo` adds: type `simulated`, no rpm limit of its own (the rate-limited model
    /// enforces its own), with every model listed so the catalog knows them even before discovery.
    package static func makeConfig(id: String = DemoProvider.id) -> ProviderConfig {
        let models = profiles().sorted { $0.key < $1.key }.map { model, profile in
            ModelOverride(
                id: model, capabilities: profile.capabilities, inputCostPerMTok: profile.inputCostPerMTok,
                outputCostPerMTok: profile.outputCostPerMTok, contextLength: profile.contextLength)
        }
        return ProviderConfig(id: id, type: .simulated, rpm: 0, discover: true, probe: true, models: models)
    }

    /// The simulated provider serving the demo models.
    package static func makeProvider(
        id: String = DemoProvider.id, seed: UInt64 = 42, timeScale: Double = 1,
        now: @escaping @Sendable () -> Duration = SimulatedProvider.systemTime
    ) -> SimulatedProvider {
        SimulatedProvider(id: id, profiles: profiles(), seed: seed, timeScale: timeScale, now: now)
    }

    /// The demo models by id.
    ///
    /// - Parameters:
    ///   - flapUp: how long `demo/flappy` is up in each cycle.
    ///   - flapDown: how long it is down. With the default 5-minute probe interval and a failure threshold
    ///     of 2, the 12-minute halves let probes see it go down and come back.
    package static func profiles(
        flapUp: Duration = .seconds(12 * 60), flapDown: Duration = .seconds(12 * 60)
    ) -> [String: SimulatedProfile] {
        func ms(_ value: Int64) -> Duration { .milliseconds(value) }
        return [
            "demo/fast-chat": SimulatedProfile(
                displayName: "Fast Chat (simulated)", capabilities: [.chat], contextLength: 16_384,
                inputCostPerMTok: 0.05, outputCostPerMTok: 0.10,
                timeToFirstToken: LogNormalDelay(median: ms(150), spread: 0.25), tokensPerSecond: 150,
                failureRate: 0.01),
            "demo/smart-chat": SimulatedProfile(
                displayName: "Smart Chat (simulated)", capabilities: [.chat], contextLength: 128_000,
                inputCostPerMTok: 3, outputCostPerMTok: 15,
                timeToFirstToken: LogNormalDelay(median: ms(900), spread: 0.3), tokensPerSecond: 45,
                answerTokens: 30...80),
            "demo/coder": SimulatedProfile(
                displayName: "Coder (simulated)", capabilities: [.chat, .code], contextLength: 32_768,
                inputCostPerMTok: 0.5, outputCostPerMTok: 1.5,
                timeToFirstToken: LogNormalDelay(median: ms(400), spread: 0.3), tokensPerSecond: 90,
                answerTokens: 20...60, failureRate: 0.02),
            "demo/vision-pro": SimulatedProfile(
                displayName: "Vision Pro (simulated)", capabilities: [.chat, .vision], contextLength: 65_536,
                inputCostPerMTok: 2, outputCostPerMTok: 8,
                timeToFirstToken: LogNormalDelay(median: ms(700), spread: 0.35), tokensPerSecond: 50,
                failureRate: 0.02),
            "demo/budget-chat": SimulatedProfile(
                displayName: "Budget Chat (simulated, free)", capabilities: [.chat], contextLength: 8192,
                timeToFirstToken: LogNormalDelay(median: ms(2500), spread: 0.5), tokensPerSecond: 15,
                failureRate: 0.05),
            "demo/long-context": SimulatedProfile(
                displayName: "Long Context (simulated)", capabilities: [.chat], contextLength: 1_000_000,
                inputCostPerMTok: 1, outputCostPerMTok: 4,
                timeToFirstToken: LogNormalDelay(median: ms(1200), spread: 0.3), tokensPerSecond: 35,
                answerTokens: 20...60),
            "demo/embed-small": SimulatedProfile(
                displayName: "Embed Small (simulated)", capabilities: [.embedding], contextLength: 8192,
                inputCostPerMTok: 0.02, timeToFirstToken: LogNormalDelay(median: ms(60), spread: 0.2)),
            "demo/embed-large": SimulatedProfile(
                displayName: "Embed Large (simulated)", capabilities: [.embedding], contextLength: 8192,
                inputCostPerMTok: 0.13, timeToFirstToken: LogNormalDelay(median: ms(180), spread: 0.25)),
            "demo/always-down": SimulatedProfile(
                displayName: "Always Down (simulated outage)", capabilities: [.chat], contextLength: 8192,
                inputCostPerMTok: 0.1, outputCostPerMTok: 0.2,
                timeToFirstToken: LogNormalDelay(median: ms(80), spread: 0.2), availability: .alwaysDown),
            "demo/flappy": SimulatedProfile(
                displayName: "Flappy (simulated, up and down)", capabilities: [.chat], contextLength: 16_384,
                inputCostPerMTok: 0.2, outputCostPerMTok: 0.6,
                timeToFirstToken: LogNormalDelay(median: ms(300), spread: 0.3), tokensPerSecond: 70,
                availability: .flapping(up: flapUp, down: flapDown)),
            "demo/rate-limited": SimulatedProfile(
                displayName: "Rate Limited (simulated, 2 rpm)", capabilities: [.chat], contextLength: 16_384,
                inputCostPerMTok: 0.15, outputCostPerMTok: 0.3,
                timeToFirstToken: LogNormalDelay(median: ms(250), spread: 0.25), tokensPerSecond: 80, rpm: 2),
            "demo/sometimes-stalls": SimulatedProfile(
                displayName: "Sometimes Stalls (simulated timeouts)", capabilities: [.chat], contextLength: 32_768,
                inputCostPerMTok: 0.3, outputCostPerMTok: 0.9,
                timeToFirstToken: LogNormalDelay(median: ms(500), spread: 0.4), tokensPerSecond: 60,
                timeoutRate: 0.2),
            "demo/glitchy": SimulatedProfile(
                displayName: "Glitchy (simulated errors and cut streams)", capabilities: [.chat, .code],
                contextLength: 16_384, inputCostPerMTok: 0.08, outputCostPerMTok: 0.25,
                timeToFirstToken: LogNormalDelay(median: ms(350), spread: 0.5), tokensPerSecond: 60,
                failureRate: 0.15, cutRate: 0.15),
        ]
    }
}
