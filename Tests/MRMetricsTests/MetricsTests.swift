import Foundation
import MRMetrics
import MRTestSupport
import Testing

@Suite struct MetricsTests {
    static let at = Date(timeIntervalSince1970: 1_700_000_000)

    /// Every SPEC metric, recorded once, renders as valid text with the right types.
    @Test func everySpecMetricRendersAsValidText() throws {
        let metrics = Metrics()
        metrics.recordProbe(
            provider: "nvidia", model: "meta/llama", status: "ok", duration: .milliseconds(700), at: Self.at)
        metrics.setModelUp(provider: "nvidia", model: "meta/llama", up: true)
        metrics.setModelInfo(provider: "nvidia", model: "meta/llama", capabilities: ["chat", "code"])
        metrics.recordProbeRun(trigger: "manual", duration: .seconds(12), at: Self.at)
        metrics.setProbeInterval(.seconds(300))
        metrics.recordHTTPRequest(route: "/api/models/{id...}", code: 200, duration: .milliseconds(3))
        metrics.recordUpstream(provider: "nvidia", model: "meta/llama", outcome: "ok")
        metrics.recordUpstreamTTFT(provider: "nvidia", model: "meta/llama", duration: .milliseconds(420))
        metrics.recordTokens(provider: "nvidia", model: "meta/llama", input: 12, output: 34)
        metrics.recordFallback()
        metrics.recordRateLimited(scope: "key")
        metrics.recordNotification(outcome: "sent")

        let text = String(decoding: metrics.render(), as: UTF8.self)
        let exposition = try Exposition(text)
        let expected: [String: String] = [
            "modelrouter_probe_results_total": "counter", "modelrouter_probe_duration_seconds": "histogram",
            "modelrouter_model_up": "gauge", "modelrouter_model_last_probe_timestamp_seconds": "gauge",
            "modelrouter_http_requests_total": "counter", "modelrouter_http_request_duration_seconds": "histogram",
            "modelrouter_upstream_requests_total": "counter", "modelrouter_upstream_ttft_seconds": "histogram",
            "modelrouter_tokens_total": "counter", "modelrouter_router_fallbacks_total": "counter",
            "modelrouter_rate_limited_total": "counter", "modelrouter_model_info": "gauge",
            "modelrouter_probe_runs_total": "counter", "modelrouter_probe_last_run_timestamp_seconds": "gauge",
            "modelrouter_probe_interval_seconds": "gauge", "modelrouter_probe_run_duration_seconds": "histogram",
            "modelrouter_notifications_total": "counter", "modelrouter_build_info": "gauge",
            "process_cpu_seconds_total": "counter", "process_resident_memory_bytes": "gauge",
            "process_virtual_memory_bytes": "gauge", "process_open_fds": "gauge", "process_max_fds": "gauge",
            "process_start_time_seconds": "gauge",
        ]
        for (name, type) in expected {
            #expect(exposition.types[name] == type, "\(name)")
        }
        let deployment = ["provider": "nvidia", "model": "meta/llama"]
        #expect(exposition.value("modelrouter_probe_results_total", deployment.merging(["status": "ok"]) { $1 }) == 1)
        #expect(exposition.value("modelrouter_model_up", deployment) == 1)
        #expect(exposition.value("modelrouter_model_last_probe_timestamp_seconds", deployment) == 1_700_000_000)
        #expect(exposition.value("modelrouter_probe_duration_seconds_sum", deployment) == 0.7)
        #expect(
            exposition.value("modelrouter_probe_duration_seconds_bucket", deployment.merging(["le": "0.5"]) { $1 }) == 0
        )
        #expect(
            exposition.value("modelrouter_probe_duration_seconds_bucket", deployment.merging(["le": "1.0"]) { $1 }) == 1
        )
        #expect(exposition.values("modelrouter_model_info", deployment).count == 2)
        #expect(exposition.value("modelrouter_model_info", deployment.merging(["capability": "code"]) { $1 }) == 1)
        #expect(exposition.value("modelrouter_probe_runs_total", ["trigger": "manual"]) == 1)
        #expect(
            exposition.value("modelrouter_probe_last_run_timestamp_seconds", ["trigger": "manual"]) == 1_700_000_000)
        #expect(exposition.value("modelrouter_probe_interval_seconds") == 300)
        #expect(
            exposition.value("modelrouter_http_requests_total", ["route": "/api/models/{id...}", "code": "200"]) == 1)
        #expect(
            exposition.value("modelrouter_upstream_requests_total", deployment.merging(["outcome": "ok"]) { $1 }) == 1)
        #expect(exposition.value("modelrouter_upstream_ttft_seconds_count", deployment) == 1)
        #expect(exposition.value("modelrouter_tokens_total", deployment.merging(["direction": "input"]) { $1 }) == 12)
        #expect(exposition.value("modelrouter_tokens_total", deployment.merging(["direction": "output"]) { $1 }) == 34)
        #expect(exposition.value("modelrouter_router_fallbacks_total") == 1)
        #expect(exposition.value("modelrouter_rate_limited_total", ["scope": "key"]) == 1)
        #expect(exposition.value("modelrouter_rate_limited_total", ["scope": "provider"]) == 0)
        #expect(exposition.value("modelrouter_notifications_total", ["outcome": "sent"]) == 1)
    }

    /// Latency histograms use LLM-sized buckets: 0.05 s up to 120 s (HTTP adds three below).
    @Test func histogramBucketsFitLLMCalls() throws {
        let metrics = Metrics()
        metrics.recordUpstreamTTFT(provider: "p", model: "m", duration: .seconds(200))
        metrics.recordHTTPRequest(route: "/healthz", code: 200, duration: .microseconds(100))
        let exposition = try Exposition(String(decoding: metrics.render(), as: UTF8.self))
        let ttftBounds = exposition.samples.filter { $0.name == "modelrouter_upstream_ttft_seconds_bucket" }
            .compactMap { $0.labels["le"] }
        #expect(
            ttftBounds == [
                "0.05", "0.1", "0.25", "0.5", "1.0", "2.0", "4.0", "8.0", "15.0", "30.0", "60.0", "120.0", "+Inf",
            ])
        #expect(exposition.value("modelrouter_upstream_ttft_seconds_bucket", ["le": "120.0"]) == 0)
        #expect(exposition.value("modelrouter_upstream_ttft_seconds_bucket", ["le": "+Inf"]) == 1)
        #expect(exposition.value("modelrouter_http_request_duration_seconds_bucket", ["le": "0.005"]) == 1)
    }

    /// Values outside a label's vocabulary become `other`; odd characters in ids are escaped, not breaking lines.
    @Test func labelsStayBoundedAndEscaped() throws {
        let metrics = Metrics()
        let odd = "evil\"model\\with\nnewline"
        for index in 0..<50 {
            metrics.recordProbe(provider: "p", model: odd, status: "weird-\(index)", duration: .seconds(1), at: Self.at)
            metrics.recordUpstream(provider: "p", model: odd, outcome: "boom-\(index)")
            metrics.recordRateLimited(scope: "user-\(index)")
            metrics.recordHTTPRequest(route: "/x", code: 1000 + index, duration: .zero)
        }
        metrics.setModelInfo(provider: "p", model: odd, capabilities: ["telepathy"])
        let exposition = try Exposition(String(decoding: metrics.render(), as: UTF8.self))
        #expect(exposition.values("modelrouter_probe_results_total", ["model": odd]) == [50])
        #expect(exposition.value("modelrouter_probe_results_total", ["status": "other"]) == 50)
        #expect(exposition.value("modelrouter_upstream_requests_total", ["outcome": "other"]) == 50)
        #expect(exposition.value("modelrouter_rate_limited_total", ["scope": "other"]) == 50)
        #expect(exposition.value("modelrouter_http_requests_total", ["route": "/x", "code": "other"]) == 50)
        #expect(exposition.value("modelrouter_model_info", ["capability": "other"]) == 1)
    }

    /// A deployment's capabilities are replaced, and a deployment that left the catalog leaves the output.
    @Test func modelInfoIsReplacedAndRemovable() throws {
        let metrics = Metrics()
        metrics.setModelInfo(provider: "p", model: "a/b", capabilities: ["chat", "code"])
        metrics.setModelInfo(provider: "p", model: "a/b", capabilities: ["embedding"])
        metrics.setModelUp(provider: "p", model: "a/b", up: false)
        metrics.recordProbe(provider: "p", model: "a/b", status: "timeout", duration: .seconds(30), at: Self.at)
        metrics.setModelUp(provider: "p", model: "c/d", up: true)
        var exposition = try Exposition(String(decoding: metrics.render(), as: UTF8.self))
        #expect(
            exposition.samples.filter { $0.name == "modelrouter_model_info" }.compactMap { $0.labels["capability"] }
                == ["embedding"])
        #expect(metrics.modelsWithInfo == [MetricsDeployment(provider: "p", model: "a/b")])

        metrics.removeModel(provider: "p", model: "a/b")
        exposition = try Exposition(String(decoding: metrics.render(), as: UTF8.self))
        #expect(exposition.samples.allSatisfy { $0.labels["model"] != "a/b" })
        #expect(exposition.value("modelrouter_model_up", ["model": "c/d"]) == 1)
    }

    /// The process metrics read real values from /proc.
    @Test func processMetricsAreReal() throws {
        let exposition = try Exposition(String(decoding: Metrics().render(), as: UTF8.self))
        let resident = try #require(exposition.value("process_resident_memory_bytes"))
        #expect(resident > 1_000_000)
        #expect(try #require(exposition.value("process_virtual_memory_bytes")) >= resident)
        #expect(try #require(exposition.value("process_open_fds")) >= 3)
        #expect(try #require(exposition.value("process_max_fds")) >= 64)
        #expect(try #require(exposition.value("process_cpu_seconds_total")) > 0)
        let start = try #require(exposition.value("process_start_time_seconds"))
        let now = Date().timeIntervalSince1970
        #expect(start <= now + 1 && start > now - 86_400)
        // The stalled-runs alert needs a schedule timestamp from the start, before any run completed.
        #expect(exposition.value("modelrouter_probe_last_run_timestamp_seconds", ["trigger": "schedule"]) == start)
    }

    /// Concurrent recording from many tasks loses nothing.
    @Test func concurrentRecordingIsExact() async throws {
        let metrics = Metrics()
        await withTaskGroup(of: Void.self) { group in
            for task in 0..<8 {
                group.addTask {
                    for index in 0..<1000 {
                        metrics.recordHTTPRequest(route: "/r\(index % 4)", code: 200, duration: .milliseconds(1))
                        metrics.recordProbe(
                            provider: "p\(task % 2)", model: "m", status: "ok", duration: .milliseconds(1), at: Self.at)
                    }
                }
            }
        }
        let exposition = try Exposition(String(decoding: metrics.render(), as: UTF8.self))
        #expect(exposition.values("modelrouter_http_requests_total").reduce(0, +) == 8000)
        #expect(exposition.values("modelrouter_http_request_duration_seconds_count").reduce(0, +) == 8000)
        #expect(exposition.values("modelrouter_probe_results_total").reduce(0, +) == 8000)
    }

    /// The parser itself rejects what a scraper rejects (so the tests above can fail).
    @Test(arguments: [
        "x 1\n",  // no TYPE
        "# TYPE x counter\nx{a=\"1\"} 1\nx{a=\"1\"} 2\n",  // duplicate series
        "# TYPE x counter\nx{a=1} 1\n",  // unquoted label value
        "# TYPE x counter\n1x 1\n",  // bad name
        "# TYPE h histogram\nh_bucket{le=\"1\"} 2\nh_bucket{le=\"+Inf\"} 1\nh_sum 1\nh_count 1\n",  // not cumulative
        "# TYPE h histogram\nh_bucket{le=\"1\"} 1\nh_sum 1\nh_count 1\n",  // no +Inf
    ])
    func parserRejectsInvalidText(_ text: String) {
        #expect(throws: Exposition.Failure.self) { try Exposition(text) }
    }

    /// With promtool installed (scripts/check-ops.sh installs it), Prometheus' own linter accepts the output.
    @Test func promtoolAcceptsTheOutput() async throws {
        guard
            let promtool = ["/usr/bin/promtool", "/usr/local/bin/promtool"].first(where: {
                FileManager.default.isExecutableFile(atPath: $0)
            })
        else { return }
        let metrics = Metrics()
        metrics.recordProbe(provider: "nvidia", model: "meta/llama", status: "ok", duration: .seconds(1), at: Self.at)
        metrics.recordHTTPRequest(route: "/healthz", code: 200, duration: .milliseconds(1))
        metrics.setModelInfo(provider: "nvidia", model: "meta/llama", capabilities: ["chat"])
        let text = metrics.render()
        // A subprocess wait must not hold one of the cooperative threads the rest of the suite needs.
        let (status, report) = try await withCheckedThrowingContinuation { continuation in
            DispatchQueue(label: "promtool").async {
                continuation.resume(with: Result { try Self.run(promtool, ["check", "metrics"], input: text) })
            }
        }
        #expect(status == 0, "\(report)")
    }

    static func run(_ executable: String, _ arguments: [String], input: [UInt8]) throws -> (Int32, String) {
        let directory = try TemporaryDirectory()
        let path = directory.file("metrics.txt")
        try Data(input).write(to: URL(fileURLWithPath: path))
        let child = try ChildProcess(
            executable, arguments, environment: ["PATH": "/usr/bin:/bin"], captureStderr: false, stdinPath: path)
        let report = ChildProcess.readAll(child.stdout)
        child.wait()
        return (child.exitCode ?? -1, report)
    }
}
