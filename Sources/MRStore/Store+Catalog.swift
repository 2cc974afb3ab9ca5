import MRSQLite

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// A model as a provider's listing described it at its last successful discovery: the raw input of the
/// catalog merge, kept so that a restart (or a failed discovery) still knows what each provider serves.
///
/// The raw listing is stored rather than the merged catalog so that configuration overrides edited
/// between two runs apply to the last known listing at once.
public struct StoredDiscoveredModel: Sendable, Hashable {
    /// The provider's own id for the model.
    public var upstreamID: String
    public var ownedBy: String?
    public var displayName: String?
    public var contextLength: Int?
    /// Capability names the listing stated outright (`chat`, `vision`, …).
    public var capabilities: [String]
    /// Free-form hints from the listing, for capability inference.
    public var hints: [String]
    public var inputCostPerMTok: Double?
    public var outputCostPerMTok: Double?

    public init(
        upstreamID: String, ownedBy: String? = nil, displayName: String? = nil, contextLength: Int? = nil,
        capabilities: [String] = [], hints: [String] = [], inputCostPerMTok: Double? = nil,
        outputCostPerMTok: Double? = nil
    ) {
        self.upstreamID = upstreamID
        self.ownedBy = ownedBy
        self.displayName = displayName
        self.contextLength = contextLength
        self.capabilities = capabilities
        self.hints = hints
        self.inputCostPerMTok = inputCostPerMTok
        self.outputCostPerMTok = outputCostPerMTok
    }
}

/// How discovery went for one provider, as last recorded.
public struct ProviderDiscoveryRecord: Sendable, Hashable {
    public var providerID: String
    /// The last discovery attempt, successful or not.
    public var lastAttemptAt: Date?
    public var lastSuccessAt: Date?
    /// The last failure's message (kept after a later success, for the record; see `consecutiveFailures`).
    public var lastError: String?
    public var lastErrorAt: Date?
    /// Failures since the last success; 0 when the last attempt succeeded.
    public var consecutiveFailures: Int
    /// How many models the last successful discovery found.
    public var modelCount: Int

    public init(
        providerID: String, lastAttemptAt: Date? = nil, lastSuccessAt: Date? = nil, lastError: String? = nil,
        lastErrorAt: Date? = nil, consecutiveFailures: Int = 0, modelCount: Int = 0
    ) {
        self.providerID = providerID
        self.lastAttemptAt = lastAttemptAt
        self.lastSuccessAt = lastSuccessAt
        self.lastError = lastError
        self.lastErrorAt = lastErrorAt
        self.consecutiveFailures = consecutiveFailures
        self.modelCount = modelCount
    }
}

/// The discovered catalog, per provider: replaced as a whole by each successful discovery, left alone by
/// a failed one (which only updates the provider's discovery record).
extension Store {
    /// Schema of migration 2.
    static let catalogDiscoverySchema = """
        CREATE TABLE discovered_models (
            provider_id TEXT NOT NULL,
            upstream_id TEXT NOT NULL,
            owned_by TEXT,
            display_name TEXT,
            context_length INTEGER,
            capabilities TEXT NOT NULL DEFAULT '',   -- names joined by U+001F
            hints TEXT NOT NULL DEFAULT '',          -- joined by U+001F
            input_cost_per_mtok REAL,
            output_cost_per_mtok REAL,
            discovered_at INTEGER NOT NULL,          -- milliseconds since 1970
            PRIMARY KEY (provider_id, upstream_id)
        ) STRICT, WITHOUT ROWID;
        CREATE TABLE provider_discovery (
            provider_id TEXT PRIMARY KEY NOT NULL,
            last_attempt_at INTEGER,
            last_success_at INTEGER,
            last_error TEXT,
            last_error_at INTEGER,
            consecutive_failures INTEGER NOT NULL DEFAULT 0 CHECK (consecutive_failures >= 0),
            model_count INTEGER NOT NULL DEFAULT 0
        ) STRICT;
        """

    /// Lists are stored as one text column: items joined by the ASCII unit separator, which is dropped
    /// from the items themselves (it has no business in a model listing).
    private static let listSeparator: Character = "\u{1F}"

    // MARK: Writes

    /// Replaces everything known about `providerID`'s models with `models`, and records a successful
    /// discovery at `date`, in one transaction. A listing naming the same upstream id twice keeps the last.
    public func replaceDiscoveredModels(providerID: String, models: [StoredDiscoveredModel], at date: Date)
        async throws(StoreError)
    {
        let milliseconds = Self.milliseconds(date)
        try await write { connection in
            try Self.replaceModels(connection, providerID, models, milliseconds)
        }
    }

    /// Records a failed discovery of `providerID` at `date`, leaving its last known models in place, and
    /// returns the updated record.
    @discardableResult
    public func recordDiscoveryFailure(providerID: String, error message: String, at date: Date)
        async throws(StoreError) -> ProviderDiscoveryRecord
    {
        let milliseconds = Self.milliseconds(date)
        return try await write { connection in
            let upsert = try connection.cachedStatement(
                """
                INSERT INTO provider_discovery (provider_id, last_attempt_at, last_error, last_error_at,
                    consecutive_failures)
                VALUES (?1, ?2, ?3, ?2, 1)
                ON CONFLICT (provider_id) DO UPDATE SET last_attempt_at = ?2, last_error = ?3, last_error_at = ?2,
                    consecutive_failures = consecutive_failures + 1
                """)
            try upsert.bind([.text(providerID), .integer(milliseconds), .text(message)])
            try upsert.run()
            let select = try connection.cachedStatement(
                "SELECT \(Self.discoveryColumns) FROM provider_discovery WHERE provider_id = ?")
            try select.bind(providerID, at: 1)
            guard let record = try select.first(ProviderDiscoveryRecord.init(row:)) else {
                throw StoreError.notFound("provider_discovery row for \(providerID)")
            }
            return record
        }
    }

    // MARK: Reads

    /// The last known models of every provider, by provider id, each list ordered by upstream id.
    public func discoveredModels() async throws(StoreError) -> [String: [StoredDiscoveredModel]] {
        try await read { connection in
            var byProvider: [String: [StoredDiscoveredModel]] = [:]
            let select = try connection.cachedStatement(
                """
                SELECT provider_id, upstream_id, owned_by, display_name, context_length, capabilities, hints,
                    input_cost_per_mtok, output_cost_per_mtok
                FROM discovered_models ORDER BY provider_id, upstream_id
                """)
            try select.forEachRow { row in
                let model = StoredDiscoveredModel(
                    upstreamID: row.string(at: 1), ownedBy: row.optionalString(at: 2),
                    displayName: row.optionalString(at: 3), contextLength: row.optionalInt(at: 4),
                    capabilities: Self.splitList(row.string(at: 5)), hints: Self.splitList(row.string(at: 6)),
                    inputCostPerMTok: row.optionalDouble(at: 7), outputCostPerMTok: row.optionalDouble(at: 8))
                byProvider[row.string(at: 0), default: []].append(model)
            }
            return byProvider
        }
    }

    /// Every provider's discovery record, ordered by provider id.
    public func providerDiscoveryRecords() async throws(StoreError) -> [ProviderDiscoveryRecord] {
        try await read { connection in
            try connection.cachedStatement(
                "SELECT \(Self.discoveryColumns) FROM provider_discovery ORDER BY provider_id"
            )
            .map(ProviderDiscoveryRecord.init(row:))
        }
    }

    // MARK: Statements

    static let discoveryColumns = """
        provider_id, last_attempt_at, last_success_at, last_error, last_error_at, consecutive_failures, model_count
        """

    private static func replaceModels(
        _ connection: SQLiteConnection, _ providerID: String, _ models: [StoredDiscoveredModel], _ milliseconds: Int64
    ) throws {
        let delete = try connection.cachedStatement("DELETE FROM discovered_models WHERE provider_id = ?")
        try delete.bind(providerID, at: 1)
        try delete.run()
        let insert = try connection.cachedStatement(
            """
            INSERT OR REPLACE INTO discovered_models (provider_id, upstream_id, owned_by, display_name,
                context_length, capabilities, hints, input_cost_per_mtok, output_cost_per_mtok, discovered_at)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """)
        for model in models {
            insert.reset()
            try insert.bind([
                .text(providerID), .text(model.upstreamID), SQLiteValue(model.ownedBy), SQLiteValue(model.displayName),
                SQLiteValue(model.contextLength), .text(joinList(model.capabilities)), .text(joinList(model.hints)),
                SQLiteValue(model.inputCostPerMTok), SQLiteValue(model.outputCostPerMTok), .integer(milliseconds),
            ])
            try insert.run()
        }
        let count = try connection.cachedStatement("SELECT count(*) FROM discovered_models WHERE provider_id = ?")
        try count.bind(providerID, at: 1)
        let modelCount = try count.first { $0.int(at: 0) } ?? 0
        let upsert = try connection.cachedStatement(
            """
            INSERT INTO provider_discovery (provider_id, last_attempt_at, last_success_at, consecutive_failures,
                model_count)
            VALUES (?1, ?2, ?2, 0, ?3)
            ON CONFLICT (provider_id) DO UPDATE SET last_attempt_at = ?2, last_success_at = ?2,
                consecutive_failures = 0, model_count = ?3
            """)
        try upsert.bind([.text(providerID), .integer(milliseconds), .integer(Int64(modelCount))])
        try upsert.run()
    }

    static func joinList(_ items: [String]) -> String {
        items.map { $0.filter { $0 != listSeparator } }.filter { !$0.isEmpty }.joined(separator: String(listSeparator))
    }

    static func splitList(_ text: String) -> [String] {
        text.isEmpty ? [] : text.split(separator: listSeparator).map(String.init)
    }
}

extension ProviderDiscoveryRecord {
    /// Reads a row selected with `Store.discoveryColumns`.
    init(row: SQLiteStatement) {
        self.init(
            providerID: row.string(at: 0), lastAttemptAt: row.optionalInt64(at: 1).map(Store.date(milliseconds:)),
            lastSuccessAt: row.optionalInt64(at: 2).map(Store.date(milliseconds:)),
            lastError: row.optionalString(at: 3), lastErrorAt: row.optionalInt64(at: 4).map(Store.date(milliseconds:)),
            consecutiveFailures: row.int(at: 5), modelCount: row.int(at: 6))
    }
}
