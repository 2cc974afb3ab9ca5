import Prometheus

#if canImport(Glibc)
    import Glibc
#endif

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// `bench/metrics`: how long `/metrics` takes to render with a large catalog, beside baselines measured in
/// the same run.
///
/// Every deployment is given the series a busy one has (probe results of two statuses, the probe histogram,
/// up, last probe, capability info, upstream outcomes, time to first token, tokens), plus 40 routes of HTTP
/// traffic. Baselines: swift-prometheus' own registry holding the same series, rendered with
/// `emitToBuffer()` (what using the library directly costs), and copying a fixed byte array of the same size
/// (the floor of any answer of that size).
public enum MetricsBenchmark {
    /// Runs the benchmark and returns a human-readable report.
    public static func run(deployments: Int, iterations: Int) -> String {
        let metrics = Metrics()
        let baseline = PrometheusCollectorRegistry()
        populate(metrics, deployments: deployments)
        populate(baseline, deployments: deployments)

        let rendered = metrics.render()
        let series = rendered.split(separator: UInt8(ascii: "\n")).filter { $0.first != UInt8(ascii: "#") }.count
        let ours = median(iterations) { _ = metrics.render() }
        var scratch: [UInt8] = []
        scratch.reserveCapacity(rendered.count)
        let registryPart = median(iterations) {
            scratch.removeAll(keepingCapacity: true)
            metrics.registry.emit(into: &scratch)
        }
        let histogramPart = median(iterations) {
            scratch.removeAll(keepingCapacity: true)
            for family in [metrics.probeDuration, metrics.httpDuration, metrics.upstreamTTFT] {
                family.emit(into: &scratch)
            }
        }
        let processPart = median(iterations) {
            scratch.removeAll(keepingCapacity: true)
            metrics.process.emit(into: &scratch)
        }
        let library = median(iterations) { _ = baseline.emitToBuffer() }
        let fixed = median(iterations) { _ = rendered.withUnsafeBufferPointer { Array($0) } }
        let hotPath = perCall(200_000) { index in
            metrics.recordHTTPRequest(route: routes[index % routes.count], code: 200, duration: .microseconds(300))
        }

        return """
            metrics render, \(deployments) deployments (\(series) samples, \(rendered.count) bytes, \
            median of \(iterations)):
              Metrics.render() (registry + process_* from /proc):  \(format(ours))
                of which counters and gauges (swift-prometheus):    \(format(registryPart))
                of which histograms (HistogramFamily):              \(format(histogramPart))
                of which process_* (/proc):                         \(format(processPart))
              baseline, swift-prometheus registry.emitToBuffer():   \(format(library))
              baseline, copying \(rendered.count) fixed bytes:              \(format(fixed))
              recordHTTPRequest (hot path, CPU time per call):      \(Int((hotPath * 1e9).rounded())) ns
            """
    }

    static let routes = (0..<40).map { "/api/route\($0)/{id...}" }

    static func populate(_ metrics: Metrics, deployments: Int) {
        let now = Date()
        for index in 0..<deployments {
            let (provider, model) = names(index)
            metrics.setModelInfo(
                provider: provider, model: model, capabilities: index % 3 == 0 ? ["chat", "code"] : ["chat"])
            metrics.setModelUp(provider: provider, model: model, up: index % 10 != 0)
            metrics.recordProbe(provider: provider, model: model, status: "ok", duration: .milliseconds(800), at: now)
            metrics.recordProbe(provider: provider, model: model, status: "timeout", duration: .seconds(30), at: now)
            metrics.recordUpstream(provider: provider, model: model, outcome: "ok")
            metrics.recordUpstream(provider: provider, model: model, outcome: "error")
            metrics.recordUpstreamTTFT(provider: provider, model: model, duration: .milliseconds(400))
            metrics.recordTokens(provider: provider, model: model, input: 120, output: 40)
        }
        for (index, route) in routes.enumerated() {
            metrics.recordHTTPRequest(route: route, code: 200, duration: .milliseconds(index))
            metrics.recordHTTPRequest(route: route, code: 404, duration: .milliseconds(index))
        }
        metrics.recordProbeRun(trigger: "schedule", duration: .seconds(40), at: now)
    }

    /// The same series straight in a registry, as an application using swift-prometheus alone would hold them.
    static func populate(_ registry: PrometheusCollectorRegistry, deployments: Int) {
        func name(_ text: String) -> MetricNameDescriptor {
            MetricNameDescriptor(metricName: text, unitName: "", helpText: text)
        }
        let now = Date().timeIntervalSince1970
        for index in 0..<deployments {
            let (provider, model) = names(index)
            let labels = [("provider", provider), ("model", model)]
            for capability in index % 3 == 0 ? ["chat", "code"] : ["chat"] {
                registry.makeGauge(
                    descriptor: name("modelrouter_model_info"), labels: labels + [("capability", capability)]
                )
                .set(to: 1)
            }
            registry.makeGauge(descriptor: name("modelrouter_model_up"), labels: labels).set(to: 1)
            registry.makeGauge(descriptor: name("modelrouter_model_last_probe_timestamp_seconds"), labels: labels)
                .set(to: now)
            for status in ["ok", "timeout"] {
                registry.makeCounter(
                    descriptor: name("modelrouter_probe_results_total"), labels: labels + [("status", status)]
                )
                .increment()
            }
            for outcome in ["ok", "error"] {
                registry.makeCounter(
                    descriptor: name("modelrouter_upstream_requests_total"), labels: labels + [("outcome", outcome)]
                ).increment()
            }
            for direction in ["input", "output"] {
                registry.makeCounter(
                    descriptor: name("modelrouter_tokens_total"), labels: labels + [("direction", direction)]
                ).increment(by: Int64(80))
            }
            for histogram in ["modelrouter_probe_duration_seconds", "modelrouter_upstream_ttft_seconds"] {
                let series = registry.makeDurationHistogram(
                    descriptor: name(histogram), labels: labels, buckets: MetricBuckets.llm)
                series.record(.milliseconds(800))
                series.record(.seconds(30))
            }
        }
        for route in routes {
            for code in ["200", "404"] {
                registry.makeCounter(
                    descriptor: name("modelrouter_http_requests_total"), labels: [("route", route), ("code", code)]
                ).increment()
            }
            registry.makeDurationHistogram(
                descriptor: name("modelrouter_http_request_duration_seconds"), labels: [("route", route)],
                buckets: MetricBuckets.http
            ).record(.milliseconds(3))
        }
    }

    static func names(_ index: Int) -> (provider: String, model: String) {
        (["nvidia", "openrouter", "groq"][index % 3], "publisher\(index % 37)/model-\(index)-instruct")
    }

    /// The median wall time of `iterations` runs of `body`, in seconds, after one warm-up run.
    static func median(_ iterations: Int, _ body: () -> Void) -> Double {
        body()
        var times: [Double] = []
        for _ in 0..<iterations {
            let start = ContinuousClock.now
            body()
            times.append((ContinuousClock.now - start).totalSecondsValue)
        }
        return times.sorted()[times.count / 2]
    }

    /// Mean CPU seconds of this thread per call over `calls` calls: on a shared machine wall time mostly
    /// measures the other processes, CPU time what the call costs.
    static func perCall(_ calls: Int, _ body: (Int) -> Void) -> Double {
        let start = threadCPUSeconds()
        for index in 0..<calls { body(index) }
        return (threadCPUSeconds() - start) / Double(calls)
    }

    static func threadCPUSeconds() -> Double {
        var now = timespec()
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &now)
        return Double(now.tv_sec) + Double(now.tv_nsec) / 1e9
    }

    /// Milliseconds with two decimals, right-aligned.
    static func format(_ seconds: Double) -> String {
        let hundredths = Int((seconds * 100_000).rounded())
        let fraction = String(hundredths % 100)
        let text = "\(hundredths / 100).\(fraction.count == 1 ? "0" + fraction : fraction) ms"
        return String(repeating: " ", count: max(0, 10 - text.count)) + text
    }
}

extension Duration {
    fileprivate var totalSecondsValue: Double {
        Double(components.seconds) + Double(components.attoseconds) / 1e18
    }
}
