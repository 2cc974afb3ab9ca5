import Foundation
import MRConfig
import MRTestSupport
import Testing

/// Probes end to end over HTTP: the SSE batch stream, single probes, reports, availability, history and
/// incidents, against the fake provider's real wire format.
@Suite struct ProbeAPITests {
    static let key = TestApplication.adminKey

    /// The events of an SSE body: (name, JSON object).
    static func events(_ text: String) -> [(String, [String: Any])] {
        text.components(separatedBy: "\n\n").compactMap { block in
            var name = ""
            var data = ""
            for line in block.split(separator: "\n") {
                if line.hasPrefix("event: ") { name = String(line.dropFirst(7)) }
                if line.hasPrefix("data: ") { data += line.dropFirst(6) }
            }
            guard !name.isEmpty,
                let object = try? JSONSerialization.jsonObject(with: Data(data.utf8)) as? [String: Any]
            else { return nil }
            return (name, object)
        }
    }

    func withApp(_ body: (TestApplication, FakeProvider) async throws -> Void) async throws {
        let fake = try FakeProvider()
        let app = try await TestApplication { config in
            config.providers = [ProviderConfig(id: "fake", type: .openai, baseURL: fake.baseURL, apiKey: "k")]
            // A loaded machine must not turn a healthy answer into `degraded`.
            config.probes.degradedAfter = .seconds(30)
        }
        let discovered = await eventually {
            ((try? await app.json("/api/models"))?["count"] as? Int ?? 0) == FakeProvider.defaultModels.count
        }
        #expect(discovered)
        do {
            try await body(app, fake)
        } catch {
            Issue.record(error)
        }
        await app.stop()
        await fake.shutdown()
    }

    @Test func aBatchStreamsStartResultsAndDoneThenReportsAndAvailabilityShowIt() async throws {
        try await withApp { app, fake in
            fake.script(.fail(status: 404), model: "claude-sonnet-4-5")
            let response = try await app.request(
                "GET", "/api/probe/stream?workers=2&delay=0&timeout=30s", key: Self.key)
            #expect(response.status == 200)
            #expect(response.header("Content-Type")?.hasPrefix("text/event-stream") == true)
            let events = Self.events(response.text)
            #expect(events.map(\.0) == ["start", "result", "result", "result", "done"])
            let start = events[0].1
            #expect(
                start["total"] as? Int == 3 && start["workers"] as? Int == 2 && start["timeout_ms"] as? Int == 30000)
            let runID = try #require(start["run_id"] as? Int)
            let results = events.filter { $0.0 == "result" }.map(\.1)
            #expect(Set(results.compactMap { $0["model"] as? String }).count == 3)
            let claude = try #require(results.first { ($0["model"] as? String)?.contains("claude") == true })
            #expect(claude["status"] as? String == "not_found" && claude["http_status"] as? Int == 404)
            let done = events[4].1
            #expect(done["run_id"] as? Int == runID)
            #expect((done["summary"] as? [String: Int]) == ["ok": 2, "not_found": 1])

            // The report is complete by the time `done` was sent.
            let latest = try await app.json("/api/reports/latest")
            #expect(latest["run_id"] as? Int == runID && latest["trigger"] as? String == "manual")
            #expect((latest["results"] as? [[String: Any]])?.count == 3)
            #expect(latest["outcome"] as? String == "finished")
            let byID = try await app.json("/api/reports/\(runID)")
            #expect((byID["summary"] as? [String: Int]) == ["ok": 2, "not_found": 1])
            let list = try await app.json("/api/reports?limit=10")
            #expect((list["reports"] as? [[String: Any]])?.first?["run_id"] as? Int == runID)
            #expect((list["reports"] as? [[String: Any]])?.first?["results"] == nil)
            #expect(try await app.request("GET", "/api/reports/999999", key: Self.key).status == 404)
            #expect(try await app.request("GET", "/api/reports/abc", key: Self.key).status == 400)

            // Live status and state in the catalog and availability views.
            let llama = try await app.json("/api/models/meta/llama-3.1-8b-instruct")
            #expect(llama["status"] as? String == "ok" && llama["state"] as? String == "up")
            let availability = try await app.json("/api/availability")
            let rows = try #require(availability["models"] as? [[String: Any]])
            #expect(rows.count == 3)
            let llamaRow = try #require(rows.first { $0["model"] as? String == "meta/llama-3.1-8b-instruct" })
            #expect((llamaRow["uptime"] as? [String: Any])?["1h"] as? Double == 1.0)
            #expect((llamaRow["uptime"] as? [String: Any])?["30d"] as? Double == 1.0)
            #expect((llamaRow["latency_ms"] as? [String: Any])?["p50"] is Int)
            let claudeRow = try #require(rows.first { ($0["model"] as? String)?.contains("claude") == true })
            #expect(claudeRow["state"] as? String == "down" && claudeRow["last_error"] is String)
            #expect((claudeRow["uptime"] as? [String: Any])?["1h"] as? Double == 0.0)

            let history = try await app.json("/api/availability/meta/llama-3.1-8b-instruct/history?window=1h&step=5m")
            let points = try #require(history["points"] as? [[String: Any]])
            #expect(points.reduce(0) { $0 + ($1["total"] as? Int ?? 0) } == 1)
            #expect(history["step_ms"] as? Int == 300_000)

            // Every deployment went from unknown to its first state: three incidents, one of them down.
            let sawIncidents = await eventually {
                ((try? await app.json("/api/incidents"))?["incidents"] as? [[String: Any]])?.count == 3
            }
            #expect(sawIncidents)
            let incidents = try await app.json("/api/incidents?provider=fake")
            let down = (incidents["incidents"] as? [[String: Any]])?.first { $0["to"] as? String == "down" }
            #expect(down?["from"] as? String == "unknown" && down?["status"] as? String == "not_found")
        }
    }

    @Test func singleProbeAndItsErrors() async throws {
        try await withApp { app, fake in
            let ok = try await app.json("/api/probe/single?model=meta/llama-3.1-8b-instruct&timeout=30s")
            #expect(ok["status"] as? String == "ok" && ok["provider"] as? String == "fake")
            #expect(ok["run_id"] is Int && (ok["results"] as? [[String: Any]])?.count == 1)
            fake.script(.stall(afterTokens: nil))
            let slow = try await app.json("/api/probe/single?model=meta/llama-3.1-8b-instruct&timeout=300ms")
            fake.releaseStalls()
            #expect(slow["status"] as? String == "timeout")
            let missing = try await app.request("GET", "/api/probe/single", key: Self.key)
            #expect(missing.status == 400 && missing.text.contains("VALIDATION_ERROR"))
            let unknown = try await app.request("GET", "/api/probe/single?model=nope/none", key: Self.key)
            #expect(unknown.status == 404 && unknown.text.contains("NOT_FOUND"))
            let report = try await app.json("/api/reports/latest")
            #expect(report["trigger"] as? String == "single")
        }
    }

    @Test(arguments: [
        "workers=0", "workers=257", "workers=x", "delay=abc", "delay=11m", "timeout=1ms", "timeout=2h",
        "capability=teleport", "model=" + String(repeating: "m", count: 400),
    ])
    func batchParametersOutOfBoundsAre400(_ query: String) async throws {
        try await withApp { app, fake in
            let response = try await app.request("GET", "/api/probe/stream?\(query)", key: Self.key)
            #expect(response.status == 400)
            #expect(response.text.contains("VALIDATION_ERROR"))
            #expect(fake.requests.filter { $0.route == .chatCompletions }.isEmpty)
        }
    }

    @Test func historyAndIncidentParametersAreValidated() async throws {
        try await withApp { app, _ in
            for path in [
                "/api/availability/meta/llama-3.1-8b-instruct/history?window=10s",
                "/api/availability/meta/llama-3.1-8b-instruct/history?window=30d&step=1m",
                "/api/availability/meta/llama-3.1-8b-instruct/history?step=banana",
                // Raw steps (not whole hours) cover at most the raw rows' 7 days.
                "/api/availability/meta/llama-3.1-8b-instruct/history?window=30d&step=30m",
                "/api/incidents?limit=0", "/api/reports?limit=1000", "/api/reports?cursor=-1",
            ] {
                let response = try await app.request("GET", path, key: Self.key)
                #expect(response.status == 400, "\(path): \(response.status)")
            }
            let unknown = try await app.request("GET", "/api/availability/nope/none/history", key: Self.key)
            #expect(unknown.status == 404)
            let noAuth = try await app.request("GET", "/api/availability")
            #expect(noAuth.status == 401)
        }
    }

    @Test func aSecondBatchRequestJoinsTheRunningOne() async throws {
        try await withApp { app, fake in
            fake.script(.stall(afterTokens: nil))
            async let first = app.request("GET", "/api/probe/stream?workers=3&timeout=30s", key: Self.key)
            #expect(await fake.waitUntil { $0.activeStalls == 3 })
            // The second listener is attached once its `start` (saying joined) has arrived.
            let second = try RawHTTPConnection(port: app.port)
            defer { second.close() }
            try await second.send(
                "GET /api/probe/stream?workers=1 HTTP/1.1\r\nHost: t\r\nX-API-Key: \(Self.key)\r\n\r\n")
            let head = try await second.read(until: "\"joined\":true")
            fake.resetScripts()
            fake.releaseStalls()
            let one = Self.events(try await first.text)
            let rest = try await second.read(until: "event: done")
            let two = Self.events(head + rest + "\n\n")
            let runID = one.first?.1["run_id"] as? Int
            #expect(runID != nil)
            #expect(head.contains("\"run_id\":\(runID ?? -1)"))
            #expect(two.first?.1["workers"] as? Int == 3 || head.contains("\"workers\":3"))
            // One probe per deployment (two chat, one embedding): the second request started nothing.
            #expect(fake.requests.filter { $0.route == .chatCompletions || $0.route == .embeddings }.count == 3)
        }
    }
}
