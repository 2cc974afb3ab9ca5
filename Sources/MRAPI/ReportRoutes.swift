import MRProbes
import MRStore
import MRWeb

/// `/api/reports/latest`, `/api/reports` (newest first, cursor-paginated) and `/api/reports/{id}`: each
/// probe run as a report (SPEC "Response shapes").
package enum ReportRoutes {
    package static let pageSizeRange = 1...200
    package static let defaultPageSize = 50

    package static func make(_ context: APIContext) -> [Route] {
        let store = context.store
        return [
            Route(
                "GET", "/api/reports/latest", summary: "The latest probe report, with its results",
                access: .authenticated, tag: "probes",
                handler: .async { _ in
                    guard let (run, results) = try await store.latestProbeRun() else {
                        throw APIError.notFound("no probe run has been recorded yet")
                    }
                    return .json(bytes: ProbeReportJSON.report(run, results: results))
                }),
            Route(
                "GET", "/api/reports", summary: "Probe reports, newest first (paginated, without results)",
                access: .authenticated, tag: "probes",
                parameters: [
                    .cursor, .pageSize(pageSizeRange, default: defaultPageSize),
                ],
                handler: .async { request in
                    let query = request.query
                    let limit = try query.int("limit", in: pageSizeRange) ?? defaultPageSize
                    let cursor = try query.int("cursor", in: 1...Int.max).map(Int64.init)
                    let runs = try await store.probeRuns(before: cursor, limit: limit)
                    let next = runs.count == limit ? runs.last.map { String($0.id) } : nil
                    var writer = JSONWriter(capacity: 256 * runs.count + 64)
                    writer.object { object in
                        object.rawField(
                            "reports", json: ProbeRoutes.array(runs.map { ProbeReportJSON.report($0, results: nil) }))
                        object.field("next", next)
                    }
                    return .json(bytes: writer.bytes)
                }),
            Route(
                "GET", "/api/reports/{id}", summary: "One probe report, with its results", access: .authenticated,
                tag: "probes",
                parameters: [
                    .init(
                        "id", in: .path, type: "integer", required: true, "run id",
                        range: 1...Route.Parameter.largestExactInteger)
                ],
                handler: .async { request in
                    let text = request.path("id")
                    guard let id = Int64(text), id > 0 else {
                        throw APIError.validation("report id must be a positive integer, got '\(text.prefix(64))'")
                    }
                    guard let (run, results) = try await store.probeRun(id: id) else {
                        throw APIError.notFound("no report with id \(id)")
                    }
                    return .json(bytes: ProbeReportJSON.report(run, results: results))
                }),
        ]
    }
}

/// Reports as JSON: `{"run_id", "trigger", "started_at", "finished_at", "workers", "delay_ms",
/// "timeout_ms", "summary", "results"}` plus `total` and `outcome` (`running`, `finished`, `cancelled`).
package enum ProbeReportJSON {
    package static func report(_ run: ProbeRunRecord, results: [ProbeResultRecord]?) -> [UInt8] {
        var writer = JSONWriter(capacity: 256 + 200 * (results?.count ?? 0))
        writer.object { object in
            object.field("run_id", run.id)
            object.field("trigger", run.trigger)
            object.field("started_at", ProbeJSON.time(run.startedAt))
            object.field("finished_at", ProbeJSON.time(run.finishedAt))
            object.field("workers", run.workers)
            object.field("delay_ms", run.delayMs)
            object.field("timeout_ms", run.timeoutMs)
            object.field("total", run.total)
            object.field("outcome", run.outcome)
            object.objectField("summary") { counts in
                for (status, count) in run.summary.sorted(by: { $0.key < $1.key }) { counts.field(status, count) }
            }
            if let results { object.rawField("results", json: ProbeRoutes.array(results.map(ProbeJSON.result))) }
        }
        return writer.bytes
    }

    /// A batch as `modelrouter probe --json` prints it: `{"run_id", "outcome", "duration_ms", "summary",
    /// "results"}`.
    package static func batch(results: [ProbeResult], summary: ProbeBatchSummary?) -> [UInt8] {
        var writer = JSONWriter(capacity: 256 + 200 * results.count)
        writer.object { object in
            object.field("run_id", summary?.runID)
            object.field("outcome", summary?.outcome)
            object.field("duration_ms", summary.map { Int($0.duration.milliseconds) })
            object.objectField("summary") { counts in
                for (status, count) in (summary?.summary ?? [:]).sorted(by: { $0.key < $1.key }) {
                    counts.field(status, count)
                }
            }
            object.rawField("results", json: ProbeRoutes.array(results.map(ProbeJSON.result)))
        }
        return writer.bytes
    }
}
