import MRCommon
import Prometheus
import Synchronization

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// Every SPEC metric (SPEC "Metrics"), rendered for `/metrics` in the Prometheus text format together with the
/// standard `process_*` metrics.
///
/// Counters and gauges live in a swift-prometheus registry; histograms in ``HistogramFamily`` (they are most of
/// the output, and rendering them through the library took twice the 10 ms budget with 1,000 deployments).
///
/// One instance per process, shared by the probes, the router, the HTTP layer and the notifier. Every method is
/// thread-safe and cheap enough for the hot path (one small lock and a dictionary probe per call); labels are
/// bounded (see ``MetricLabels``).
public final class Metrics: Sendable {
    let registry: PrometheusCollectorRegistry
    let process: ProcessMetrics

    // Probes and availability
    let probeResults: SeriesCache<Counter>
    let probeDuration: HistogramFamily
    let modelUp: SeriesCache<Gauge>
    let lastProbe: SeriesCache<Gauge>
    let modelInfo: SeriesCache<Gauge>
    let probeRuns: SeriesCache<Counter>
    let probeRunDuration: HistogramFamily
    let lastRun: SeriesCache<Gauge>
    let probeInterval: Gauge
    // Traffic
    let httpRequests: SeriesCache<Counter>
    let httpDuration: HistogramFamily
    /// Both HTTP series of a (route, code), found with one lookup (and one retain) on the hot path.
    private let httpSeries = Mutex<[HTTPKey: HTTPSeries]>([:])
    let upstream: SeriesCache<Counter>
    let upstreamTTFT: HistogramFamily
    let tokens: SeriesCache<Counter>
    let fallbacks: Counter
    let rateLimited: SeriesCache<Counter>
    let notifications: SeriesCache<Counter>
    /// The size of the last rendering, to reserve the next one's buffer in one go.
    private let lastRenderSize = Atomic<Int>(64 * 1024)

    public init() {
        let registry = PrometheusCollectorRegistry()
        self.registry = registry
        process = ProcessMetrics()
        // Descriptors are not Sendable: each closure makes its own from the name and help text.
        func counters(_ name: String, _ help: String, _ labels: [String]) -> SeriesCache<Counter> {
            SeriesCache(
                make: { registry.makeCounter(descriptor: descriptor(name, help), labels: pairs(labels, $0)) },
                unregister: { registry.unregisterCounter($0) })
        }
        func gauges(_ name: String, _ help: String, _ labels: [String]) -> SeriesCache<Gauge> {
            SeriesCache(
                make: { registry.makeGauge(descriptor: descriptor(name, help), labels: pairs(labels, $0)) },
                unregister: { registry.unregisterGauge($0) })
        }
        func histograms(_ name: String, _ help: String, _ labels: [String], _ buckets: [Duration])
            -> HistogramFamily
        {
            HistogramFamily(name: name, help: help, labelNames: labels, buckets: buckets)
        }
        let deployment = ["provider", "model"]

        probeResults = counters(
            "modelrouter_probe_results_total", "Probe results by deployment and status.", deployment + ["status"])
        probeDuration = histograms(
            "modelrouter_probe_duration_seconds", "Duration of each probe, whatever its status.", deployment,
            MetricBuckets.llm)
        modelUp = gauges(
            "modelrouter_model_up", "1 when the deployment's state is up, 0 when down (absent while unknown).",
            deployment)
        lastProbe = gauges(
            "modelrouter_model_last_probe_timestamp_seconds", "Unix time of the deployment's last probe.", deployment)
        modelInfo = gauges(
            "modelrouter_model_info", "1 per deployment and capability: joins capabilities onto other series.",
            deployment + ["capability"])
        probeRuns = counters("modelrouter_probe_runs_total", "Completed probe runs by trigger.", ["trigger"])
        probeRunDuration = histograms(
            "modelrouter_probe_run_duration_seconds", "Duration of whole probe runs.", [], MetricBuckets.probeRun)
        lastRun = gauges(
            "modelrouter_probe_last_run_timestamp_seconds",
            "Unix time the last probe run of this trigger finished (schedule: the process start until the first run).",
            ["trigger"])
        probeInterval = registry.makeGauge(
            descriptor: descriptor(
                "modelrouter_probe_interval_seconds", "The configured probe schedule interval (0: no schedule)."))

        httpRequests = counters(
            "modelrouter_http_requests_total", "HTTP requests by route pattern and status code.", ["route", "code"])
        httpDuration = histograms(
            "modelrouter_http_request_duration_seconds",
            "Time from the request head until the response head (streams: until their headers go out).", ["route"],
            MetricBuckets.http)
        upstream = counters(
            "modelrouter_upstream_requests_total", "Calls to providers for traffic, by deployment and outcome.",
            deployment + ["outcome"])
        upstreamTTFT = histograms(
            "modelrouter_upstream_ttft_seconds", "Time to the first token of upstream calls for traffic.", deployment,
            MetricBuckets.llm)
        tokens = counters(
            "modelrouter_tokens_total", "Tokens through the router by deployment and direction (input, output).",
            deployment + ["direction"])
        fallbacks = registry.makeCounter(
            descriptor: descriptor("modelrouter_router_fallbacks_total", "Requests retried on another deployment."))
        rateLimited = counters(
            "modelrouter_rate_limited_total", "Requests refused by a rate limit, by scope (key, provider).", ["scope"])
        notifications = counters(
            "modelrouter_notifications_total", "State-change webhook deliveries by outcome (sent, failed, dropped).",
            ["outcome"])

        let buildInfo = registry.makeGauge(
            descriptor: descriptor("modelrouter_build_info", "Always 1; the version is a label."),
            labels: [("version", ModelRouterVersion.current)])
        buildInfo.set(to: 1)
        // Zero-valued series from the start, so dashboards show 0 rather than "no data" and rates work at once.
        for scope in MetricLabels.scopes { _ = rateLimited(SeriesKey(first: scope)) }
        for outcome in MetricLabels.notificationOutcomes { _ = notifications(SeriesKey(first: outcome)) }
        lastRun(SeriesKey(first: "schedule")).set(to: process.startTime)
    }

    // MARK: Probes

    /// One probe result: `modelrouter_probe_results_total`, `modelrouter_probe_duration_seconds` and
    /// `modelrouter_model_last_probe_timestamp_seconds`.
    public func recordProbe(provider: String, model: String, status: String, duration: Duration, at: Date) {
        let (provider, model) = (MetricLabels.id(provider), MetricLabels.id(model))
        probeResults(
            SeriesKey(first: provider, second: model, third: MetricLabels.bounded(status, MetricLabels.statuses))
        )
        .increment()
        let deployment = SeriesKey(first: provider, second: model)
        probeDuration.record(deployment, duration)
        lastProbe(deployment).set(to: at.timeIntervalSince1970)
    }

    /// The deployment's state: `modelrouter_model_up` 1 (up) or 0 (down). Leave a deployment whose state is
    /// `unknown` unset; its series is then absent.
    public func setModelUp(provider: String, model: String, up: Bool) {
        modelUp(SeriesKey(first: MetricLabels.id(provider), second: MetricLabels.id(model))).set(to: up ? 1 : 0)
    }

    /// A finished probe run: `modelrouter_probe_runs_total{trigger}`, `modelrouter_probe_run_duration_seconds`
    /// and `modelrouter_probe_last_run_timestamp_seconds{trigger}` (behind the "probe runs stalled" alert).
    public func recordProbeRun(trigger: String, duration: Duration, at: Date) {
        let trigger = SeriesKey(first: MetricLabels.bounded(trigger, MetricLabels.triggers))
        probeRuns(trigger).increment()
        probeRunDuration.record(SeriesKey(first: ""), duration)
        lastRun(trigger).set(to: at.timeIntervalSince1970)
    }

    /// The configured schedule (`probes.interval`; zero when off): the stalled-runs alert compares against it.
    public func setProbeInterval(_ interval: Duration) {
        probeInterval.set(to: max(interval, .zero).totalSeconds)
    }

    /// A deployment's capabilities as `modelrouter_model_info{provider,model,capability} 1`, replacing what was
    /// set before for it; alert rules join on it ("every model of a capability down").
    public func setModelInfo(provider: String, model: String, capabilities: [String]) {
        let (provider, model) = (MetricLabels.id(provider), MetricLabels.id(model))
        let wanted = Set(capabilities.map { MetricLabels.bounded($0, MetricLabels.capabilities) })
        modelInfo.remove { $0.first == provider && $0.second == model && !wanted.contains($0.third) }
        for capability in wanted { modelInfo(SeriesKey(first: provider, second: model, third: capability)).set(to: 1) }
    }

    /// Forgets every series of a deployment that left the catalog, so it stops being exported.
    public func removeModel(provider: String, model: String) {
        let (provider, model) = (MetricLabels.id(provider), MetricLabels.id(model))
        let matches: (SeriesKey) -> Bool = { $0.first == provider && $0.second == model }
        probeResults.remove(where: matches)
        probeDuration.remove(where: matches)
        modelUp.remove(where: matches)
        lastProbe.remove(where: matches)
        modelInfo.remove(where: matches)
        upstream.remove(where: matches)
        upstreamTTFT.remove(where: matches)
        tokens.remove(where: matches)
    }

    /// The deployments that have a `modelrouter_model_info` series, as (provider, model).
    public var modelsWithInfo: Set<MetricsDeployment> {
        Set(modelInfo.keys.map { MetricsDeployment(provider: $0.first, model: $0.second) })
    }

    // MARK: Traffic

    /// One HTTP request: `modelrouter_http_requests_total{route,code}` and
    /// `modelrouter_http_request_duration_seconds{route}`. `route` is the route pattern (`/api/models/{id...}`)
    /// or `unmatched`, never the raw path.
    public func recordHTTPRequest(route: String, code: Int, duration: Duration) {
        // Codes outside 100–599 share one key (and the `other` label), so the cache stays bounded.
        let key = HTTPKey(route: route, code: (100..<600).contains(code) ? code : 0)
        let series = httpSeries.withLock { cache in
            if let hit = cache[key] { return hit }
            let route = MetricLabels.id(route)
            let made = HTTPSeries(
                counter: httpRequests(SeriesKey(first: route, second: MetricLabels.code(code))),
                duration: httpDuration.series(SeriesKey(first: route)))
            cache[key] = made
            return made
        }
        series.counter.increment()
        series.duration.record(duration)
    }

    /// One upstream call for traffic: `modelrouter_upstream_requests_total{provider,model,outcome}`.
    public func recordUpstream(provider: String, model: String, outcome: String) {
        upstream(
            SeriesKey(
                first: MetricLabels.id(provider), second: MetricLabels.id(model),
                third: MetricLabels.bounded(outcome, MetricLabels.outcomes))
        ).increment()
    }

    /// Time to the first token of an upstream call: `modelrouter_upstream_ttft_seconds`.
    public func recordUpstreamTTFT(provider: String, model: String, duration: Duration) {
        upstreamTTFT.record(SeriesKey(first: MetricLabels.id(provider), second: MetricLabels.id(model)), duration)
    }

    /// Token usage: `modelrouter_tokens_total{provider,model,direction}`; negative counts are ignored.
    public func recordTokens(provider: String, model: String, input: Int, output: Int) {
        let (provider, model) = (MetricLabels.id(provider), MetricLabels.id(model))
        tokens(SeriesKey(first: provider, second: model, third: "input")).increment(by: Int64(max(0, input)))
        tokens(SeriesKey(first: provider, second: model, third: "output")).increment(by: Int64(max(0, output)))
    }

    /// A request that moved on to another deployment: `modelrouter_router_fallbacks_total`.
    public func recordFallback() {
        fallbacks.increment()
    }

    /// A request refused by a limit: `modelrouter_rate_limited_total{scope}`, scope `key` or `provider`.
    public func recordRateLimited(scope: String) {
        rateLimited(SeriesKey(first: MetricLabels.bounded(scope, MetricLabels.scopes))).increment()
    }

    /// A webhook delivery: `modelrouter_notifications_total{outcome}`, outcome `sent`, `failed` or `dropped`.
    public func recordNotification(outcome: String) {
        notifications(SeriesKey(first: MetricLabels.bounded(outcome, MetricLabels.notificationOutcomes))).increment()
    }

    // MARK: Rendering

    /// Everything in the Prometheus text format (version 0.0.4), `process_*` included.
    public func render() -> [UInt8] {
        var buffer: [UInt8] = []
        buffer.reserveCapacity(lastRenderSize.load(ordering: .relaxed) + 4096)
        registry.emit(into: &buffer)
        for family in [probeDuration, probeRunDuration, httpDuration, upstreamTTFT] { family.emit(into: &buffer) }
        process.emit(into: &buffer)
        lastRenderSize.store(buffer.count, ordering: .relaxed)
        return buffer
    }

    /// The `Content-Type` of ``render()``.
    public static let contentType = "text/plain; version=0.0.4; charset=utf-8"
}

/// The two series one HTTP request updates.
private final class HTTPSeries: Sendable {
    let counter: Counter
    let duration: HistogramFamily.BoundSeries

    init(counter: Counter, duration: HistogramFamily.BoundSeries) {
        self.counter = counter
        self.duration = duration
    }
}

/// The HTTP hot path's cache key: hashing an `Int` is cheaper than hashing the code's text.
private struct HTTPKey: Hashable {
    var route: String
    var code: Int
}

/// A deployment as the metrics name it.
public struct MetricsDeployment: Hashable, Sendable {
    public var provider: String
    public var model: String

    public init(provider: String, model: String) {
        self.provider = provider
        self.model = model
    }
}

/// A descriptor for a full metric name (no namespace or unit parts: the names are written out whole).
private func descriptor(_ name: String, _ help: String) -> MetricNameDescriptor {
    MetricNameDescriptor(metricName: name, unitName: "", helpText: help)
}

/// `[("provider", "nvidia"), ("model", "meta/…")]` from label names and a key.
private func pairs(_ names: [String], _ key: SeriesKey) -> [(String, String)] {
    let values = [key.first, key.second, key.third]
    return names.enumerated().map { ($0.element, values[$0.offset]) }
}
