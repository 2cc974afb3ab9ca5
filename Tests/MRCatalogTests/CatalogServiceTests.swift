import Foundation
import MRCatalog
import MRConfig
import MRProviders
import MRStore
import Testing

@Suite struct CatalogServiceTests {
    func makeService(
        _ fixture: StoreFixture, _ adapters: [StubAdapter], providers: [ProviderConfig] = [],
        timeout: Duration = .seconds(5), interval: Duration = .seconds(3600)
    ) -> CatalogService {
        CatalogService(
            providers: providers, adapters: adapters, store: fixture.store, discoveryInterval: interval,
            discoveryTimeout: timeout, logger: quietLogger)
    }

    @Test func firstDiscoveryPersistsAndPublishes() async throws {
        let fixture = try StoreFixture()
        let nvidia = StubAdapter("nvidia", .models([model("meta/llama-3.1-8b-instruct"), model("nvidia/nv-embed-v1")]))
        let openai = StubAdapter("openai", .models([model("gpt-4o", ownedBy: "system")]))
        let service = makeService(fixture, [nvidia, openai])
        #expect(service.catalog.count == 0)
        await service.refresh()
        #expect(
            service.catalog.models.map(\.id) == ["meta/llama-3.1-8b-instruct", "nvidia/nv-embed-v1", "openai/gpt-4o"])
        let stored = try await fixture.store.discoveredModels()
        #expect(stored["nvidia"]?.map(\.upstreamID) == ["meta/llama-3.1-8b-instruct", "nvidia/nv-embed-v1"])
        #expect(stored["openai"]?.first?.ownedBy == "system")
        let statuses = service.providerStatuses()
        #expect(statuses.map(\.id) == ["nvidia", "openai"])
        #expect(statuses.map(\.modelCount) == [2, 1])
        #expect(statuses.allSatisfy { $0.lastSuccessAt != nil && $0.consecutiveFailures == 0 && $0.lastError == nil })
    }

    @Test func failedDiscoveryKeepsThePreviousModelsAndRecordsTheError() async throws {
        let fixture = try StoreFixture()
        let nvidia = StubAdapter("nvidia", .models([model("meta/a"), model("meta/b")]))
        let other = StubAdapter("other", .models([model("x/one")]))
        let service = makeService(fixture, [nvidia, other])
        await service.refresh()
        let firstSuccess = try #require(service.providerStatuses().first?.lastSuccessAt)

        nvidia.set(.fail(ProviderError(kind: .error, message: "upstream said 502", httpStatus: 502)))
        other.set(.models([model("x/one"), model("x/two")]))
        await service.refresh()
        await service.refresh()
        #expect(service.catalog.models.map(\.id) == ["meta/a", "meta/b", "x/one", "x/two"])
        let status = try #require(service.providerStatuses().first { $0.id == "nvidia" })
        #expect(status.consecutiveFailures == 2)
        #expect(status.lastError?.contains("upstream said 502") == true)
        #expect(status.lastErrorAt != nil)
        #expect(status.lastSuccessAt == firstSuccess)
        #expect(status.modelCount == 2)
        // SQLite agrees: the models are still there, the failure is recorded.
        #expect(try await fixture.store.discoveredModels()["nvidia"]?.count == 2)
        let record = try #require(
            try await fixture.store.providerDiscoveryRecords().first { $0.providerID == "nvidia" })
        #expect(record.consecutiveFailures == 2)
        #expect(record.modelCount == 2)

        // Recovery resets the count and keeps the last error for the record.
        nvidia.set(.models([model("meta/a")]))
        await service.refresh()
        let recovered = try #require(service.providerStatuses().first { $0.id == "nvidia" })
        #expect(recovered.consecutiveFailures == 0)
        #expect(recovered.lastError != nil)
        #expect(service.catalog.model(id: "meta/b") == nil)
    }

    @Test func slowProviderTimesOutWithoutHoldingOthersUp() async throws {
        let fixture = try StoreFixture()
        // It ignores cancellation and stalls far longer than the bound below, which leaves a loaded CI
        // machine plenty of margin while still proving the round did not wait for it.
        let slow = StubAdapter("slow", .stall(.seconds(30)))
        let fast = StubAdapter("fast", .models([model("a/b")]))
        let service = makeService(fixture, [slow, fast], timeout: .milliseconds(200))
        let started = ContinuousClock.now
        await service.refresh()
        #expect(ContinuousClock.now - started < .seconds(20))
        #expect(service.catalog.models.map(\.id) == ["a/b"])
        let status = try #require(service.providerStatuses().first { $0.id == "slow" })
        #expect(status.consecutiveFailures == 1)
        #expect(status.lastError?.hasPrefix("timeout") == true)
    }

    @Test func restartServesTheLastKnownCatalogBeforeDiscovery() async throws {
        let fixture = try StoreFixture()
        let first = makeService(fixture, [StubAdapter("nvidia", .models([model("meta/a"), model("meta/b")]))])
        await first.refresh()
        await first.stop()
        try fixture.reopen()

        // After the restart discovery hangs until the gate opens; the old catalog is served meanwhile.
        let gate = Gate()
        let adapter = StubAdapter("nvidia", .gated(gate, [model("meta/c")]))
        let service = makeService(fixture, [adapter])
        var changes = service.changes().makeAsyncIterator()
        await service.start()
        #expect(service.catalog.models.map(\.id) == ["meta/a", "meta/b"])
        #expect(service.providerStatuses().first?.lastSuccessAt != nil)
        let loaded = await changes.next()
        #expect(loaded?.models.map(\.id) == ["meta/a", "meta/b"])
        gate.open()
        let discovered = await changes.next()
        #expect(discovered?.models.map(\.id) == ["meta/c"])
        #expect(service.catalog.models.map(\.id) == ["meta/c"])
        await service.stop()
    }

    @Test func overridesApplyToTheStoredListingAndProvidersWithoutDiscoveryAreNotCalled() async throws {
        let fixture = try StoreFixture()
        let adapter = StubAdapter("nvidia", .models([model("meta/a")]))
        let local = StubAdapter("local", .models([model("never/listed")]))
        let providers = [
            ProviderConfig(
                id: "nvidia", type: .openai, baseURL: "https://n.example", apiKey: "nvapi-secret",
                models: [ModelOverride(id: "meta/a", inputCostPerMTok: 3)]),
            ProviderConfig(
                id: "local", type: .openai, baseURL: "http://127.0.0.1:1", discover: false,
                models: [ModelOverride(id: "acme/local")]),
        ]
        let service = makeService(fixture, [adapter, local], providers: providers)
        // Before any discovery the overrides are already there.
        #expect(service.catalog.models.map(\.id) == ["acme/local", "meta/a"])
        await service.refresh()
        #expect(local.calls == 0)
        #expect(adapter.calls == 1)
        #expect(service.catalog.model(id: "meta/a")?.deployments.first?.inputCostPerMTok == 3)
        let statuses = service.providerStatuses()
        #expect(statuses.map(\.discover) == [true, false])
        #expect(statuses.first?.baseURL == "https://n.example")
    }

    @Test func startDiscoversPeriodicallyUntilStopped() async throws {
        let fixture = try StoreFixture()
        let adapter = StubAdapter("p", .models([model("a/one")]))
        let service = makeService(fixture, [adapter], interval: .milliseconds(50))
        var changes = service.changes().makeAsyncIterator()
        await service.start()
        // Load (empty), then at least two discovery rounds.
        var seen = 0
        while seen < 3, await changes.next() != nil { seen += 1 }
        #expect(adapter.calls >= 2)
        await service.stop()
        let callsAtStop = adapter.calls
        while await changes.next() != nil {}  // the stream ends at stop (after what it had buffered)
        await service.refresh()  // a stopped service does not discover
        #expect(adapter.calls == callsAtStop)
    }

    /// Whether the second call joins the round or starts the next one depends on scheduling; either way
    /// both return with the models published and no round overlaps another.
    @Test func refreshDuringARoundReturnsWithItsResult() async throws {
        let fixture = try StoreFixture()
        let gate = Gate()
        let adapter = StubAdapter("p", .gated(gate, [model("a/one")]))
        let service = makeService(fixture, [adapter])
        let first = Task { await service.refresh() }
        try await waitUntil { adapter.calls == 1 }  // the first round is now waiting at the gate
        let second = Task { await service.refresh() }
        gate.open()
        await first.value
        await second.value
        #expect((1...2).contains(adapter.calls))
        #expect(service.catalog.count == 1)
    }
}

@Suite struct StoreCatalogTests {
    @Test func replaceAndReadBack() async throws {
        let fixture = try StoreFixture()
        let store = fixture.store
        let date = Date(timeIntervalSince1970: 1_700_000_000)
        let full = StoredDiscoveredModel(
            upstreamID: "a/b", ownedBy: "a", displayName: "A B", contextLength: 4096, capabilities: ["chat", "vision"],
            hints: ["type:chat", "odd\u{1F}hint"], inputCostPerMTok: 0.5, outputCostPerMTok: 1.5)
        try await store.replaceDiscoveredModels(
            providerID: "p", models: [full, StoredDiscoveredModel(upstreamID: "a/c")], at: date)
        try await store.replaceDiscoveredModels(
            providerID: "q", models: [StoredDiscoveredModel(upstreamID: "z")], at: date)
        var stored = try await store.discoveredModels()
        #expect(stored["p"]?.count == 2)
        var expected = full
        expected.hints = ["type:chat", "oddhint"]  // the separator is dropped from items
        #expect(stored["p"]?.first == expected)
        #expect(stored["p"]?.last == StoredDiscoveredModel(upstreamID: "a/c"))

        // A replacement drops what is no longer listed, and only for that provider.
        try await store.replaceDiscoveredModels(
            providerID: "p", models: [StoredDiscoveredModel(upstreamID: "a/d")], at: date)
        stored = try await store.discoveredModels()
        #expect(stored["p"]?.map(\.upstreamID) == ["a/d"])
        #expect(stored["q"]?.map(\.upstreamID) == ["z"])
        let records = try await store.providerDiscoveryRecords()
        #expect(records.map(\.providerID) == ["p", "q"])
        #expect(records.first?.modelCount == 1)
        #expect(records.first?.lastSuccessAt == date)
    }

    @Test func failuresCountUpAndSuccessResets() async throws {
        let fixture = try StoreFixture()
        let store = fixture.store
        let first = try await store.recordDiscoveryFailure(
            providerID: "p", error: "boom", at: Date(timeIntervalSince1970: 10))
        #expect(first.consecutiveFailures == 1)
        #expect(first.lastSuccessAt == nil)
        let second = try await store.recordDiscoveryFailure(
            providerID: "p", error: "bang", at: Date(timeIntervalSince1970: 20))
        #expect(second.consecutiveFailures == 2)
        #expect(second.lastError == "bang")
        #expect(second.lastErrorAt == Date(timeIntervalSince1970: 20))
        try await store.replaceDiscoveredModels(providerID: "p", models: [], at: Date(timeIntervalSince1970: 30))
        let record = try #require(try await store.providerDiscoveryRecords().first)
        #expect(record.consecutiveFailures == 0)
        #expect(record.lastError == "bang")
        #expect(record.lastSuccessAt == Date(timeIntervalSince1970: 30))
        #expect(fixture.store.schemaVersion >= 2)  // later migrations (probes, usage) add to it
    }
}
