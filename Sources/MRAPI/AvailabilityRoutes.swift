import MRCatalog
import MRProbes
import MRStore
import MRWeb

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// `/api/availability`, `/api/availability/{model}/history` and `/api/incidents`: what ops teams read at
/// 3 a.m. Uptime and percentiles come from the store's roll-ups; status and state are the live ones.
package enum AvailabilityRoutes {
    package static let windowRange: ClosedRange<Duration> = .seconds(60) ... .seconds(400 * 86_400)
    package static let stepRange: ClosedRange<Duration> = .seconds(60) ... .seconds(30 * 86_400)
    /// The most points one history answer holds (per provider).
    package static let maximumPoints = 2_000

    package static func make(_ context: APIContext) -> [Route] {
        let store = context.store
        let health = context.health
        let catalog = context.catalog
        return [
            Route(
                "GET", "/api/availability",
                summary: "Per deployment: status, state, last check, uptime 1h/24h/7d/30d, latency p50/p95, TTFT p50",
                access: .authenticated, tag: "availability",
                parameters: [
                    .idFilter("model", maxLength: 300, "only this model"),
                    .idFilter("provider", maxLength: 200, "only this provider"),
                ],
                handler: .async { request in
                    let query = request.query
                    let model = try query.string("model", maxLength: 300)
                    let provider = try query.string("provider", maxLength: 200)
                    let records = try await store.availability(now: Date())
                    return .json(
                        bytes: AvailabilityJSON.list(
                            records, catalog: catalog?.catalog, health: health, model: model, provider: provider))
                }),
            Route(
                "GET", "/api/availability/{model...}/history", summary: "Time series of one model for charts",
                access: .authenticated, tag: "availability",
                parameters: [
                    .init("model", in: .path, required: true, "model id"),
                    .duration("window", "how far back, e.g. 24h (1m-400d; default 24h)"),
                    .duration(
                        "step",
                        "bucket size, e.g. 5m (1m-30d; default: window/96, at least 1m; at most 2000 points, and whole hours beyond the raw results' 7 days)"
                    ),
                ],
                handler: .async { request in
                    let model = request.path("model")
                    let query = request.query
                    let window = try query.duration("window", in: windowRange) ?? .seconds(86_400)
                    let step = try query.duration("step", in: stepRange) ?? max(.seconds(60), window / 96)
                    guard window / step <= Double(maximumPoints) else {
                        throw APIError.validation(
                            "window/step gives \(Int(window / step)) points; at most \(maximumPoints) are served")
                    }
                    let points: [HistoryPoint]
                    do {
                        points = try await store.history(model: model, window: window, step: step, now: Date())
                    } catch let error as StoreError where error.isInvalidInput {
                        // e.g. a step that is not whole hours over more than the raw rows' 7 days
                        throw APIError.validation("\(error.detail)")
                    }
                    if points.isEmpty, catalog?.catalog.model(id: model) == nil {
                        throw APIError.notFound("no model with id '\(model.prefix(200))'")
                    }
                    return .json(
                        bytes: AvailabilityJSON.history(model: model, window: window, step: step, points: points))
                }),
            Route(
                "GET", "/api/incidents", summary: "Deployment state changes (incident history), newest first",
                access: .authenticated, tag: "availability",
                parameters: [
                    .idFilter("model", maxLength: 300, "only this model"),
                    .idFilter("provider", maxLength: 200, "only this provider"), .cursor,
                    .pageSize(1...500, default: 100),
                ],
                handler: .async { request in
                    let query = request.query
                    let limit = try query.int("limit", in: 1...500) ?? 100
                    let cursor = try query.int("cursor", in: 1...Int.max).map(Int64.init)
                    let events = try await store.deploymentEvents(
                        model: try query.string("model", maxLength: 300),
                        provider: try query.string("provider", maxLength: 200), before: cursor, limit: limit)
                    let next = events.count == limit ? events.last.map { String($0.id) } : nil
                    return .json(bytes: AvailabilityJSON.incidents(events, next: next))
                }),
        ]
    }
}

/// The availability shapes (SPEC "Response shapes").
enum AvailabilityJSON {
    /// One row per catalog deployment (and per stored deployment no longer in the catalog), catalog order.
    static func list(
        _ records: [DeploymentAvailabilityRecord], catalog: Catalog?, health: HealthRegistry, model: String?,
        provider: String?
    ) -> [UInt8] {
        var byID: [DeploymentID: DeploymentAvailabilityRecord] = [:]
        byID.reserveCapacity(records.count)
        for record in records { byID[DeploymentID(model: record.model, provider: record.provider)] = record }
        var rows: [(DeploymentID, Bool)] = []
        var seen = Set<DeploymentID>()
        for entry in catalog?.models ?? [] {
            for deployment in entry.deployments {
                let id = DeploymentID(model: entry.id, provider: deployment.providerID)
                if seen.insert(id).inserted { rows.append((id, deployment.simulated)) }
            }
        }
        for record in records {
            let id = DeploymentID(model: record.model, provider: record.provider)
            if seen.insert(id).inserted { rows.append((id, false)) }
        }
        var elements: [[UInt8]] = []
        elements.reserveCapacity(rows.count)
        for (id, simulated) in rows {
            if let model, id.model != model { continue }
            if let provider, id.provider != provider { continue }
            elements.append(row(id, record: byID[id], live: health.snapshot(id), simulated: simulated))
        }
        var writer = JSONWriter(capacity: elements.reduce(32) { $0 + $1.count + 1 })
        writer.object { object in
            object.rawField("models", json: ProbeRoutes.array(elements))
            object.field("count", elements.count)
        }
        return writer.bytes
    }

    static func row(
        _ id: DeploymentID, record: DeploymentAvailabilityRecord?, live: DeploymentSnapshot?, simulated: Bool
    ) -> [UInt8] {
        var writer = JSONWriter(capacity: 400)
        writer.object { object in
            object.field("model", id.model)
            object.field("provider", id.provider)
            object.field(
                "status", (live?.status ?? record?.lastStatus.flatMap(DeploymentStatus.init) ?? .unknown).rawValue)
            object.field("state", (live?.state ?? .unknown).rawValue)
            object.field("last_checked", ProbeJSON.time(live?.lastChecked ?? record?.lastChecked))
            object.objectField("uptime") { uptime in
                uptime.field("1h", record?.uptime1h)
                uptime.field("24h", record?.uptime24h)
                uptime.field("7d", record?.uptime7d)
                uptime.field("30d", record?.uptime30d)
            }
            object.objectField("latency_ms") { latency in
                latency.field("p50", record?.latencyP50Ms)
                latency.field("p95", record?.latencyP95Ms)
            }
            object.objectField("ttft_ms") { $0.field("p50", record?.ttftP50Ms) }
            object.field("last_error", live?.lastError ?? record?.lastError)
            object.field("last_error_at", ProbeJSON.time(live?.lastErrorAt ?? record?.lastErrorAt))
            object.field("simulated", simulated)
        }
        return writer.bytes
    }

    static func history(model: String, window: Duration, step: Duration, points: [HistoryPoint]) -> [UInt8] {
        var writer = JSONWriter(capacity: 64 + 220 * points.count)
        writer.object { object in
            object.field("model", model)
            object.field("window_ms", Int(window.milliseconds))
            object.field("step_ms", Int(step.milliseconds))
            object.rawField("points", json: ProbeRoutes.array(points.map(point)))
        }
        return writer.bytes
    }

    static func point(_ point: HistoryPoint) -> [UInt8] {
        var writer = JSONWriter(capacity: 220)
        writer.object { object in
            object.field("start", ProbeJSON.time(point.start))
            object.field("provider", point.provider)
            object.field("total", point.total)
            object.field("available", point.available)
            object.field("uptime", point.total > 0 ? Double(point.available) / Double(point.total) : nil)
            object.objectField("counts") { counts in
                for (status, count) in point.counts.sorted(by: { $0.key < $1.key }) { counts.field(status, count) }
            }
            object.objectField("latency_ms") { latency in
                latency.field("p50", point.latencyP50Ms)
                latency.field("p95", point.latencyP95Ms)
            }
            object.objectField("ttft_ms") { $0.field("p50", point.ttftP50Ms) }
        }
        return writer.bytes
    }

    static func incidents(_ events: [DeploymentEventRecord], next: String?) -> [UInt8] {
        let elements = events.map { event -> [UInt8] in
            var writer = JSONWriter(capacity: 256)
            writer.object { object in
                object.field("id", event.id)
                object.field("model", event.model)
                object.field("provider", event.provider)
                object.field("from", event.fromState)
                object.field("to", event.toState)
                object.field("status", event.status)
                object.field("error", event.error)
                object.field("source", event.source)
                object.field("at", ProbeJSON.time(event.at))
            }
            return writer.bytes
        }
        var writer = JSONWriter(capacity: elements.reduce(64) { $0 + $1.count + 1 })
        writer.object { object in
            object.rawField("incidents", json: ProbeRoutes.array(elements))
            object.field("next", next)
        }
        return writer.bytes
    }
}
