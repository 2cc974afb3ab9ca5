import Logging
import MRCatalog
import MRConfig
import MRHTTPClient
import MRProbes
import MRProviders
import MRRouting
import MRTestSupport
import Testing

/// Passive health through the service: circuits, never routing into nothing, cancellation, fallback limits.
@Suite struct ChatServiceRoutingTests {
    @Test func repeatedFailuresOpenTheCircuitAndTrafficStopsGoingThere() async throws {
        let policy = CircuitBreaker.Policy(failureThreshold: 2, coolDown: .seconds(60))
        try await ServiceHarness.with(breaker: policy) { harness in
            _ = try await harness.service.complete(harness.request())  // known up
            #expect(harness.state("primary") == .up)
            harness.primary.script(.fail(status: 503))
            for _ in 0..<2 { _ = try await harness.service.complete(harness.request()) }
            #expect(harness.chatCalls(0) == 3)
            // Open: further requests go straight to the backup.
            for _ in 0..<3 {
                let completion = try await harness.service.complete(harness.request())
                #expect(completion.trace.attempts == 1)
                #expect(completion.trace.provider == "backup")
            }
            #expect(harness.chatCalls(0) == 3)
            let id = DeploymentID(model: ServiceHarness.model, provider: "primary")
            #expect(harness.service.tracker.breaker(id).gate(at: .now).isOpen)
        }
    }

    @Test func afterTheCoolDownATrialSuccessClosesTheCircuitAndBringsTheDeploymentBack() async throws {
        let policy = CircuitBreaker.Policy(failureThreshold: 1, coolDown: .milliseconds(200))
        try await ServiceHarness.with(breaker: policy) { harness in
            harness.primary.script(.fail(status: 500), times: 1)
            _ = try await harness.service.complete(harness.request())
            #expect(harness.state("primary") == .down)
            let id = DeploymentID(model: ServiceHarness.model, provider: "primary")
            // Open, or already past its cool-down on a slow machine: not closed either way.
            #expect(harness.service.tracker.breaker(id).gate(at: .now) != .closed)
            // Keep the backup out of the way, so the primary's trial is the only callable candidate.
            harness.limiters["backup"]?.pause(deployment: ServiceHarness.model, for: .seconds(60))
            #expect(await eventually { harness.service.tracker.breaker(id).gate(at: .now) == .trial })
            let trial = try await harness.service.complete(harness.request())
            #expect(trial.trace.provider == "primary")  // down, but the circuit offered a trial
            #expect(harness.state("primary") == .up)
            #expect(harness.service.tracker.breaker(id).gate(at: .now) == .closed)
        }
    }

    @Test func aTrafficDownWithoutAnyCandidateLeftStillGetsItsLastResort() async throws {
        let policy = CircuitBreaker.Policy(failureThreshold: 1, coolDown: .seconds(60))
        try await ServiceHarness.with(providers: 1, breaker: policy) { harness in
            harness.primary.script(.fail(status: 500), times: 1)
            _ = await routingFailure { try await harness.service.complete(harness.request()) }
            // Open and down, yet the only deployment: tried once more rather than refusing outright.
            let retried = try await harness.service.complete(harness.request())
            #expect(retried.trace.provider == "primary")
        }
    }

    @Test func neverRoutesIntoNothing() async throws {
        try await ServiceHarness.with(providers: 1) { harness in
            // Stale health says down (e.g. from a probe long ago), but the deployment answers.
            for _ in 0..<2 {
                harness.health.record(
                    HealthObservation(
                        model: ServiceHarness.model, provider: "primary", status: .error, source: .probe))
            }
            #expect(harness.state("primary") == .down)
            let completion = try await harness.service.complete(harness.request())
            #expect(completion.text == "Hello, world!")
            #expect(harness.state("primary") == .up)
        }
    }

    @Test func butNotIntoAPermanentFailure() async throws {
        try await ServiceHarness.with(providers: 1) { harness in
            harness.primary.script(.fail(status: 401))
            _ = await routingFailure { try await harness.service.complete(harness.request()) }
            let error = await routingFailure { try await harness.service.complete(harness.request()) }
            #expect(error?.kind == .noModelAvailable)
            #expect(harness.chatCalls(0) == 1)
        }
    }

    @Test func fallbacksStopAtTheLimit() async throws {
        try await ServiceHarness.with(providers: 3) { harness in
            for fake in harness.fakes { fake.script(.fail(status: 500)) }
            let error = await routingFailure { try await harness.service.complete(harness.request(fallbacks: 1)) }
            #expect(error?.attempts == 2)
            #expect(error?.detail.contains("all 2 attempts failed") == true)
            #expect(harness.chatCalls(2) == 0)
        }
    }

    /// A service over one OpenAI-compatible upstream that sends one token, then stalls.
    static func stallingService(_ client: HTTPClient, reports: ReportLog, health: HealthRegistry) throws
        -> (ChatService, ScriptedTCPServer)
    {
        let server = try ScriptedTCPServer { connection in
            _ = try connection.readRequest()
            try connection.writeChunkedHead(headers: [("Content-Type", "text/event-stream")])
            try connection.writeChunk(#"data: {"choices":[{"index":0,"delta":{"content":"hi"}}]}"# + "\n\n")
            connection.stall()
        }
        let model = ServiceHarness.model
        let catalog = Catalog(models: [
            CatalogModel(
                id: model, name: "llama", publisher: "meta", capabilities: [.chat], simulated: false,
                contextLength: nil, deployments: [CatalogDeployment(providerID: "slow", upstreamID: model)])
        ])
        let service = ChatService(
            catalog: { catalog },
            adapters: ["slow": OpenAIAdapter(id: "slow", baseURL: server.baseURL + "/v1", apiKey: nil, client: client)],
            health: health, routing: RoutingConfig(idleTimeout: .seconds(30)),
            observer: { reports.append($0) }, logger: Logger(label: "test") { _ in SwiftLogNoOpLogHandler() })
        return (service, server)
    }

    @Test func aClientThatLeavesCancelsTheUpstreamTransferAndIsNotAFailure() async throws {
        let client = HTTPClient()
        defer { client.shutdown() }
        let reports = ReportLog()
        let health = HealthRegistry()
        let (service, server) = try Self.stallingService(client, reports: reports, health: health)
        defer { server.stop() }
        let session = try await service.stream(ServiceHarness.request())
        let consumer = Task { await drain(session) }
        consumer.cancel()
        let drained = await consumer.value
        #expect(drained.text == "hi" || drained.text.isEmpty)
        #expect(drained.error?.kind == .cancelled)
        // The transfer is aborted: the upstream sees its client close, long before any timeout.
        try await server.waitForPeerClose()
        #expect(reports.all.map(\.outcome) == ["cancelled"])
        #expect(health.snapshot(DeploymentID(model: ServiceHarness.model, provider: "slow"))?.lastError == nil)
    }

    @Test func anAbandonedSessionCountsAsCancelled() async throws {
        let client = HTTPClient()
        defer { client.shutdown() }
        let reports = ReportLog()
        let (service, server) = try Self.stallingService(client, reports: reports, health: HealthRegistry())
        defer { server.stop() }
        var session: ChatSession? = try await service.stream(ServiceHarness.request())
        #expect(try await session?.next() == .token("hi"))
        session?.close()
        session = nil
        try await server.waitForPeerClose()
        #expect(reports.all.map(\.outcome) == ["cancelled"])
    }

    @Test func embeddingsRouteToEmbeddingModelsWithFallback() async throws {
        try await ServiceHarness.with { harness in
            harness.primary.script(.fail(status: 500), route: .embeddings)
            let (result, trace) = try await harness.service.embed(
                RoutedEmbeddingRequest(model: "auto", input: ["a", "b"]))
            #expect(result.vectors.count == 2)
            #expect(result.vectors[0][0] == 0.5)  // reordered by index
            #expect(trace.provider == "backup")
            #expect(trace.model == "nvidia/nv-embedqa-e5-v5")
            let wrong = await routingFailure {
                try await harness.service.embed(RoutedEmbeddingRequest(model: ServiceHarness.model, input: ["a"]))
            }
            #expect(wrong?.kind == .validation)
        }
    }

    @Test func unknownModelsAreNotFound() async throws {
        try await ServiceHarness.with(providers: 1) { harness in
            let error = await routingFailure { try await harness.service.complete(harness.request("no/such")) }
            #expect(error?.kind == .notFound)
            #expect(error?.status == 404)
        }
    }

    @Test func overheadIsTheTimeNotSpentUpstream() async throws {
        try await ServiceHarness.with(providers: 1) { harness in
            let completion = try await harness.service.complete(harness.request())
            let trace = completion.trace
            #expect(trace.upstreamTime > .zero)
            #expect(trace.overhead >= .zero)
            #expect(trace.overhead + trace.upstreamTime <= trace.committedAt - trace.receivedAt)
            #expect(trace.cost(of: Usage(promptTokens: 1_000_000, completionTokens: 1_000_000)) == 3)
        }
    }
}
