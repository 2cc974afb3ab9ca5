import MRCatalog
import MRConfig
import MRHTTPServer
import MRProbes
import MRWeb

/// `/api/probe/single` and `/api/probe/stream` (SPEC "HTTP API", "SSE streams").
///
/// A batch request while a batch runs joins it: the caller gets the running batch's own stream from its
/// `start` (with `"joined": true`), never a second batch and never a 409. On-demand parameters are bounded
/// like the configuration's: outside the bounds is a 400 `VALIDATION_ERROR` naming the range.
package enum ProbeRoutes {
    /// The bounds of on-demand parameters.
    package static let workersRange = ProbeConfig.workersRange
    package static let delayRange = ProbeConfig.delayRange
    package static let timeoutRange = ProbeConfig.timeoutRange

    package static func make(_ context: APIContext) -> [Route] {
        let probes = context.probes
        @Sendable func service() throws -> ProbeService {
            guard let probes else {
                throw APIError.notReady("probes are not running on this server")
            }
            return probes
        }
        return [
            Route(
                "GET", "/api/probe/single", summary: "Probe one model now (every deployment of it)",
                access: .authenticated, tag: "probes",
                parameters: [
                    .init("model", required: true, "model id", maxLength: 300, pattern: Route.Parameter.idPattern),
                    .duration("timeout", "per probe, e.g. 10s (100ms-600s; default probes.timeout)"),
                ],
                handler: .async { request in
                    let service = try service()
                    let query = request.query
                    let model = try query.requiredString("model", maxLength: 300)
                    let timeout = try query.duration("timeout", in: timeoutRange) ?? service.config.timeout
                    guard let outcome = await service.probe(model: model, timeout: timeout) else {
                        throw APIError.notFound("no model with id '\(model.prefix(200))'")
                    }
                    return .json(bytes: single(runID: outcome.runID, results: outcome.results))
                }),
            Route(
                "GET", "/api/probe/stream", summary: "Run a batch probe (or join the running one); results as SSE",
                access: .authenticated, tag: "probes",
                parameters: [
                    .integer("workers", "parallel probes, 1-256", in: workersRange),
                    .duration("delay", "between starts, per worker (0-600s)"),
                    .duration("timeout", "per probe (100ms-600s)"), .capability("only models with this capability"),
                    .idFilter("publisher", maxLength: 200, "only this publisher's models"),
                    .idFilter("model", maxLength: 300, "only this model"),
                ], produces: ["text/event-stream"],
                handler: .sync { request in
                    let service = try service()
                    let parameters = try batchParameters(request.query, defaults: service.defaultParameters)
                    let (batch, joined) = service.startBatch(trigger: "manual", parameters: parameters)
                    return stream(batch, joined: joined)
                }),
        ]
    }

    /// Validated batch parameters; defaults from the configuration.
    package static func batchParameters(_ query: QueryParameters, defaults: BatchParameters) throws
        -> BatchParameters
    {
        var parameters = defaults
        if let workers = try query.int("workers", in: workersRange) { parameters.workers = workers }
        if let delay = try query.duration("delay", in: delayRange) { parameters.delay = delay }
        if let timeout = try query.duration("timeout", in: timeoutRange) { parameters.timeout = timeout }
        if let capability = try query.oneOf("capability", Capability.allCases.map(\.rawValue)) {
            parameters.filter.capability = Capability(rawValue: capability)
        }
        parameters.filter.publisher = try query.string("publisher", maxLength: 200)
        parameters.filter.model = try query.string("model", maxLength: 300)
        return parameters
    }

    /// The batch's events as SSE: `start`, `result`…, `done`. A client that leaves stops listening only;
    /// the batch goes on for everyone else (and for the record).
    static func stream(_ batch: ProbeBatch, joined: Bool) -> HTTPResponse {
        ServerSentEvents.response { writer in
            for await event in batch.listen() {
                let bytes: [UInt8]
                switch event {
                case .start(let info):
                    bytes = ServerSentEvents.event("start", json: ProbeJSON.start(info, joined: joined))
                case .result(let result): bytes = ServerSentEvents.event("result", json: ProbeJSON.result(result))
                case .done(let summary): bytes = ServerSentEvents.event("done", json: ProbeJSON.done(summary))
                }
                try await writer.write(bytes)
            }
        }
    }

    /// `/api/probe/single`'s body: the best deployment's result at the top level (the SPEC's result
    /// shape), plus `run_id` and every deployment's result under `results`.
    static func single(runID: Int64, results: [ProbeResult]) -> [UInt8] {
        var best = results.first
        for result in results.dropFirst() {
            if let current = best,
                DeploymentHealth(status: result.status, state: .unknown, latencyMs: result.latencyMs).isBetter(
                    than: DeploymentHealth(status: current.status, state: .unknown, latencyMs: current.latencyMs))
            {
                best = result
            }
        }
        var writer = JSONWriter(capacity: 512)
        writer.object { object in
            if let best { ProbeJSON.result(best, into: &object) }
            object.field("run_id", runID)
            object.rawField("results", json: array(results.map(ProbeJSON.result)))
        }
        return writer.bytes
    }

    /// `[a,b,…]` from already-encoded elements.
    static func array(_ elements: [[UInt8]]) -> [UInt8] {
        var bytes: [UInt8] = [UInt8(ascii: "[")]
        for (index, element) in elements.enumerated() {
            if index > 0 { bytes.append(UInt8(ascii: ",")) }
            bytes.append(contentsOf: element)
        }
        bytes.append(UInt8(ascii: "]"))
        return bytes
    }
}
