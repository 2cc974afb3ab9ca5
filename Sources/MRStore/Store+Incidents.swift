import MRSQLite

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// An event checked and converted to what is stored.
struct ValidatedDeploymentEvent: Sendable, Hashable {
    var model: String
    var provider: String
    var fromState: String
    var toState: String
    var status: String
    var error: String?
    var source: String
    var at: Int64
}

/// The incident history: every deployment state change, newest first.
extension Store {
    /// The most events one page returns.
    public static let maximumEventPageSize = 1000

    /// Stores state changes in one transaction. An invalid event (unknown state, status or source, empty
    /// or oversized ids) fails the whole call with `invalidInput`.
    public func insertDeploymentEvents(_ events: [DeploymentEventRecord]) async throws(StoreError) {
        guard !events.isEmpty else { return }
        var validated: [ValidatedDeploymentEvent] = []
        for event in events { validated.append(try Self.validated(event)) }
        try await write { [validated] connection in
            var deployments = DeploymentIDCache()
            try Self.insertEvents(connection, validated, &deployments)
        }
    }

    /// Events newest first, optionally of one model (and provider), older than the event id `cursor`.
    /// `limit` must be 1…`maximumEventPageSize`.
    public func deploymentEvents(model: String?, provider: String?, before cursor: Int64?, limit: Int)
        async throws(StoreError) -> [DeploymentEventRecord]
    {
        guard (1...Self.maximumEventPageSize).contains(limit) else {
            throw .invalidInput("limit must be between 1 and \(Self.maximumEventPageSize)")
        }
        return try await read { connection in
            var conditions = ["e.id < ?1"]
            if model != nil { conditions.append("d.model = ?2") }
            if provider != nil { conditions.append("d.provider = ?3") }
            let select = try connection.cachedStatement(
                """
                SELECT e.id, d.model, d.provider, e.from_state, e.to_state, e.status, e.error, e.source, e.at
                FROM deployment_events e JOIN deployments d ON d.id = e.deployment_id
                WHERE \(conditions.joined(separator: " AND "))
                ORDER BY e.id DESC LIMIT ?4
                """)
            try select.bind(cursor ?? Int64.max, at: 1)
            if let model { try select.bind(model, at: 2) }
            if let provider { try select.bind(provider, at: 3) }
            try select.bind(limit, at: 4)
            return try select.map { row in
                DeploymentEventRecord(
                    id: row.int64(at: 0), model: row.string(at: 1), provider: row.string(at: 2),
                    fromState: row.string(at: 3), toState: row.string(at: 4), status: row.string(at: 5),
                    error: row.optionalString(at: 6), source: row.string(at: 7),
                    at: Store.date(milliseconds: row.int64(at: 8)))
            }
        }
    }

    static func validated(_ event: DeploymentEventRecord) throws(StoreError) -> ValidatedDeploymentEvent {
        guard deploymentStates.contains(event.fromState), deploymentStates.contains(event.toState) else {
            throw .invalidInput("fromState and toState must be up, down or unknown")
        }
        guard isProbeStatus(event.status) else { throw .invalidInput("status must be a probe status") }
        guard deploymentEventSources.contains(event.source) else {
            throw .invalidInput("source must be probe or traffic")
        }
        return ValidatedDeploymentEvent(
            model: try validatedName(event.model, field: "model"),
            provider: try validatedName(event.provider, field: "provider"), fromState: event.fromState,
            toState: event.toState, status: event.status, error: truncatedError(event.error), source: event.source,
            at: milliseconds(event.at))
    }

    static func insertEvents(
        _ connection: SQLiteConnection, _ events: [ValidatedDeploymentEvent], _ deployments: inout DeploymentIDCache
    ) throws {
        let insert = try connection.cachedStatement(
            """
            INSERT INTO deployment_events (deployment_id, at, from_state, to_state, status, error, source)
            VALUES (?, ?, ?, ?, ?, ?, ?)
            """)
        for event in events {
            let deploymentID = try deployments.id(model: event.model, provider: event.provider, connection)
            insert.reset()
            try insert.bind([
                .integer(deploymentID), .integer(event.at), .text(event.fromState), .text(event.toState),
                .text(event.status), SQLiteValue(event.error), .text(event.source),
            ])
            try insert.run()
        }
    }
}
