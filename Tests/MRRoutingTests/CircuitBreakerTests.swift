import MRRouting
import Testing

/// The circuit breaker as a plain value, event by event.
@Suite struct CircuitBreakerTests {
    let t0 = ContinuousClock.now
    let policy = CircuitBreaker.Policy(
        failureThreshold: 2, coolDown: .seconds(30), maxCoolDown: .seconds(100), permanentCoolDown: .seconds(300))

    @Test func opensAfterTheThresholdAndSkipsUntilTheCoolDownPassed() {
        var breaker = CircuitBreaker(policy: policy)
        let admitted1 = breaker.admit(at: t0)
        #expect(admitted1)
        let opened2 = breaker.recordFailure(at: t0, permanent: false)
        #expect(!opened2)
        #expect(breaker.gate(at: t0) == .closed)
        let opened3 = breaker.recordFailure(at: t0, permanent: false)
        #expect(opened3)
        #expect(breaker.gate(at: t0 + .seconds(10)) == .open(remaining: .seconds(20)))
        let admitted4 = breaker.admit(at: t0 + .seconds(29))
        #expect(!admitted4)
        #expect(breaker.gate(at: t0 + .seconds(30)) == .trial)
    }

    @Test func aSuccessResetsTheCount() {
        var breaker = CircuitBreaker(policy: policy)
        breaker.recordFailure(at: t0, permanent: false)
        breaker.recordSuccess()
        let opened1 = breaker.recordFailure(at: t0, permanent: false)
        #expect(!opened1)
        #expect(breaker.gate(at: t0) == .closed)
    }

    @Test func halfOpenHandsOutOneTrialAndItsSuccessCloses() {
        var breaker = CircuitBreaker(policy: policy)
        breaker.recordFailure(at: t0, permanent: false)
        breaker.recordFailure(at: t0, permanent: false)
        let later = t0 + .seconds(31)
        let step1 = breaker.admit(at: later)  // the trial
        #expect(step1)
        let step2 = breaker.admit(at: later)  // nobody else meanwhile
        #expect(!step2)
        #expect(breaker.gate(at: later).isOpen)
        breaker.recordSuccess()
        #expect(breaker.gate(at: later) == .closed)
        let admitted1 = breaker.admit(at: later)
        #expect(admitted1)
    }

    @Test func aFailedTrialReopensForTwiceTheCoolDownUpToTheMaximum() {
        var breaker = CircuitBreaker(policy: policy)
        breaker.recordFailure(at: t0, permanent: false)
        breaker.recordFailure(at: t0, permanent: false)
        var now = t0 + .seconds(30)
        let admitted1 = breaker.admit(at: now)
        #expect(admitted1)
        let opened2 = breaker.recordFailure(at: now, permanent: false)
        #expect(opened2)
        #expect(breaker.gate(at: now) == .open(remaining: .seconds(60)))
        now += .seconds(60)
        let admitted3 = breaker.admit(at: now)
        #expect(admitted3)
        breaker.recordFailure(at: now, permanent: false)
        #expect(breaker.gate(at: now) == .open(remaining: .seconds(100)))  // capped
    }

    @Test func aNeutralTrialGivesTheSlotBack() {
        var breaker = CircuitBreaker(policy: policy)
        breaker.recordFailure(at: t0, permanent: false)
        breaker.recordFailure(at: t0, permanent: false)
        let later = t0 + .seconds(30)
        let admitted1 = breaker.admit(at: later)
        #expect(admitted1)
        breaker.recordNeutral()
        #expect(breaker.gate(at: later) == .trial)
        let admitted2 = breaker.admit(at: later)
        #expect(admitted2)
    }

    @Test func aPermanentFailureOpensAtOnceForTheLongCoolDown() {
        var breaker = CircuitBreaker(policy: policy)
        let opened1 = breaker.recordFailure(at: t0, permanent: true)
        #expect(opened1)
        #expect(breaker.gate(at: t0) == .open(remaining: .seconds(300)))
    }

    @Test func aFailureThroughAnOpenCircuitKeepsItOpen() {
        var breaker = CircuitBreaker(policy: policy)
        breaker.recordFailure(at: t0, permanent: false)
        breaker.recordFailure(at: t0, permanent: false)
        // A last-resort call ignores the gate and fails again 10 s later.
        let opened1 = breaker.recordFailure(at: t0 + .seconds(10), permanent: false)
        #expect(!opened1)
        #expect(breaker.gate(at: t0 + .seconds(10)) == .open(remaining: .seconds(30)))
    }
}

@Suite struct LatencyEstimateTests {
    @Test func followsRecentSamples() {
        var estimate = LatencyEstimate(alpha: 0.5)
        #expect(estimate.milliseconds == nil)
        estimate.add(milliseconds: 100)
        #expect(estimate.milliseconds == 100)
        estimate.add(milliseconds: 300)
        #expect(estimate.milliseconds == 200)
        estimate.add(milliseconds: -5)
        estimate.add(milliseconds: .nan)
        #expect(estimate.samples == 2)
        for _ in 0..<10 { estimate.add(milliseconds: 1000) }
        #expect((estimate.milliseconds ?? 0) > 990)
    }
}
