import MRCatalog
import MRProbes
import Testing

@Suite struct DeploymentStateMachineTests {
    /// Feeds statuses one by one and returns the state after each.
    func states(_ statuses: [DeploymentStatus], failure: Int = 2, success: Int = 1) -> [DeploymentState] {
        var machine = DeploymentStateMachine()
        return statuses.map { status in
            _ = machine.observe(status, failureThreshold: failure, successThreshold: success)
            return machine.state
        }
    }

    @Test func firstResultDecidesAtOnce() {
        #expect(states([.ok]) == [.up])
        #expect(states([.timeout]) == [.down])
        #expect(states([.degraded]) == [.up])
    }

    @Test func oneLostProbeDoesNotFlap() {
        #expect(states([.ok, .error, .ok, .timeout, .ok]) == [.up, .up, .up, .up, .up])
        #expect(states([.ok, .error, .timeout]) == [.up, .up, .down])
    }

    @Test func successThresholdBringsItBack() {
        #expect(
            states([.error, .ok, .ok, .ok], success: 3) == [.down, .down, .down, .up])
        // A failure in between restarts the count.
        #expect(states([.error, .ok, .error, .ok, .ok], success: 2) == [.down, .down, .down, .down, .up])
    }

    @Test(arguments: [DeploymentStatus.authError, .notFound])
    func permanentFailuresTakeItDownAtOnce(_ status: DeploymentStatus) {
        #expect(states([.ok, status], failure: 5) == [.up, .down])
    }

    @Test func rateLimitedAndUnknownCountNeitherWay() {
        #expect(states([.ok, .error, .rateLimited, .error]) == [.up, .up, .up, .down])
        #expect(states([.rateLimited, .unknown]) == [.unknown, .unknown])
        var machine = DeploymentStateMachine()
        #expect(machine.observe(.rateLimited, failureThreshold: 1, successThreshold: 1) == nil)
    }

    @Test func observeReportsOnlyChanges() {
        var machine = DeploymentStateMachine()
        #expect(machine.observe(.ok, failureThreshold: 2, successThreshold: 1) == .up)
        #expect(machine.observe(.ok, failureThreshold: 2, successThreshold: 1) == nil)
        #expect(machine.observe(.error, failureThreshold: 2, successThreshold: 1) == nil)
        #expect(machine.observe(.error, failureThreshold: 2, successThreshold: 1) == .down)
        #expect(machine.consecutiveFailures == 2)
    }
}

@Suite struct HealthRegistryTests {
    @Test func changesAreToldToObserversAndShownInHealth() async {
        let registry = HealthRegistry(failureThreshold: 2, successThreshold: 1)
        let changes = registry.changes()
        let first = registry.record(
            HealthObservation(model: "m/a", provider: "p", status: .ok, latencyMs: 120, ttftMs: 40, source: .probe))
        #expect(first?.from == .unknown && first?.to == .up)
        #expect(registry.health(modelID: "m/a", providerID: "p").latencyMs == 120)
        // Traffic moves the state but not the shown probe status.
        #expect(
            registry.record(
                HealthObservation(model: "m/a", provider: "p", status: .error, error: "boom", source: .traffic)) == nil)
        let down = registry.record(
            HealthObservation(model: "m/a", provider: "p", status: .timeout, error: "slow", source: .traffic))
        #expect(down?.to == .down && down?.source == .traffic)
        let health = registry.health(modelID: "m/a", providerID: "p")
        #expect(health.state == .down && health.status == .ok)
        #expect(registry.snapshot(DeploymentID(model: "m/a", provider: "p"))?.lastError == "slow")
        registry.finishObservers()
        var seen: [DeploymentState] = []
        for await change in changes { seen.append(change.to) }
        #expect(seen == [.up, .down])
    }

    @Test func restoreIsNotAChange() async {
        let registry = HealthRegistry()
        let changes = registry.changes()
        registry.restore([
            DeploymentSnapshot(
                model: "m/a", provider: "p", machine: DeploymentStateMachine(state: .down), status: .error)
        ])
        #expect(registry.health(modelID: "m/a", providerID: "p").state == .down)
        registry.finishObservers()
        var count = 0
        for await _ in changes { count += 1 }
        #expect(count == 0)
    }
}
