import MRCatalog
import MRConfig
import MRRouting
import Testing

/// The routing decision as a pure value: skip rules, fallback count, never route into nothing, limits.
@Suite struct RoutePlannerTests {
    let planner = RoutePlanner(strategy: .balanced, maxFallbacks: 2)

    @Test func skipsDownOpenAndLimitedDeployments() {
        let decision = planner.decide([
            candidate("down", state: .down), candidate("open", circuit: .open(remaining: .seconds(5))),
            candidate("limited", wait: .seconds(3)), candidate("ok", preference: 3),
            candidate("unknown", preference: 4, state: .unknown, status: .unknown),
        ])
        #expect(decision.models == ["ok", "unknown"])
        #expect(decision.maxAttempts == 3)
        #expect(!decision.isLastResort)
    }

    @Test func maxAttemptsIsOnePlusTheFallbacks() {
        let none = RoutePlanner(strategy: .cost, maxFallbacks: 0).decide([candidate("a"), candidate("b")])
        #expect(none.maxAttempts == 1)
        #expect(none.models.count == 2)  // the service calls one; the rest wait in case a trial is taken
    }

    @Test func aHalfOpenTrialIsCallableEvenWhenDown() {
        let decision = planner.decide([candidate("recovering", state: .down, circuit: .trial)])
        #expect(decision.models == ["recovering"])
        #expect(!decision.isLastResort)
    }

    @Test func neverRoutesIntoNothingWhenEverythingLooksDown() {
        let decision = planner.decide([
            candidate("slow", preference: 0, state: .down, latency: 900),
            candidate("fast", preference: 1, circuit: .open(remaining: .seconds(9)), latency: 100),
        ])
        #expect(decision.isLastResort)
        #expect(decision.models == ["fast"])  // the best of them, once
        #expect(decision.maxAttempts == 1)
    }

    @Test func aPermanentFailureIsNotTriedAsALastResort() {
        let decision = planner.decide([
            candidate("gone", state: .down, status: .notFound, permanent: true),
            candidate("badkey", permanent: true, circuit: .open(remaining: .seconds(60))),
        ])
        guard case .noneAvailable(let reason) = decision else {
            Issue.record("expected noneAvailable, got \(decision)")
            return
        }
        #expect(reason.contains("gone@p"))
    }

    @Test func theLastResortSkipsPermanentFailuresButTakesTheRest() {
        let decision = planner.decide([
            candidate("badkey", state: .down, permanent: true, latency: 1),
            candidate("flaky", state: .down, latency: 500),
        ])
        #expect(decision.models == ["flaky"])
        #expect(decision.isLastResort)
    }

    @Test func everyCandidateLimitedPassesOnTheShortestWait() {
        let decision = planner.decide([
            candidate("a", wait: .seconds(20)), candidate("b", wait: .seconds(4)),
            candidate("c", permanent: true, circuit: .open(remaining: .seconds(1))),
        ])
        #expect(decision == .rateLimited(retryAfter: .seconds(4)))
    }

    @Test func aDownCandidateBeatsALimitedOneForTheLastResort() {
        let decision = planner.decide([candidate("a", wait: .seconds(20)), candidate("b", state: .down)])
        #expect(decision.models == ["b"])
        #expect(decision.isLastResort)
    }

    @Test func noCandidatesAtAll() {
        guard case .noneAvailable = planner.decide([]) else {
            Issue.record("expected noneAvailable")
            return
        }
    }
}
