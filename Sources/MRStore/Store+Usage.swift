import MRSQLite

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// One routed request as accounted: who asked, what answered, tokens and cost.
public struct UsageRecord: Sendable, Hashable {
    public var at: Date
    /// The API key's id (`key_…`), `admin` for the bootstrap key, nil for other principals.
    public var keyID: String?
    /// `chat` or `embeddings`.
    public var endpoint: String
    /// The model and provider that answered (the last one tried when none did); nil when nothing was called.
    public var model: String?
    public var provider: String?
    /// `ok` or the error code the client got (`UPSTREAM_ERROR`, `RATE_LIMITED`, …).
    public var outcome: String
    public var promptTokens: Int
    public var completionTokens: Int
    /// US dollars, from the deployment's configured prices; nil when its prices are unknown.
    public var costUSD: Double?
    public var attempts: Int
    public var latencyMs: Int?
    public var ttftMs: Int?

    public init(
        at: Date = Date(), keyID: String?, endpoint: String, model: String?, provider: String?, outcome: String,
        promptTokens: Int = 0, completionTokens: Int = 0, costUSD: Double? = nil, attempts: Int = 0,
        latencyMs: Int? = nil, ttftMs: Int? = nil
    ) {
        self.at = at
        self.keyID = keyID
        self.endpoint = endpoint
        self.model = model
        self.provider = provider
        self.outcome = outcome
        self.promptTokens = promptTokens
        self.completionTokens = completionTokens
        self.costUSD = costUSD
        self.attempts = attempts
        self.latencyMs = latencyMs
        self.ttftMs = ttftMs
    }
}

/// Sums over usage records.
public struct UsageTotals: Sendable, Hashable {
    public var requests: Int
    public var promptTokens: Int
    public var completionTokens: Int
    public var costUSD: Double
}

/// Per-request usage (tokens, cost) by API key: written in batches by the router's recorder, off the
/// request path.
extension Store {
    static let usageSchema = """
        CREATE TABLE usage_records (
            id INTEGER PRIMARY KEY,
            at INTEGER NOT NULL,              -- milliseconds since 1970
            key_id TEXT,                      -- api_keys.id, 'admin', or NULL
            endpoint TEXT NOT NULL,           -- chat | embeddings
            model TEXT,
            provider TEXT,
            outcome TEXT NOT NULL,            -- ok or the error_code returned
            prompt_tokens INTEGER NOT NULL DEFAULT 0,
            completion_tokens INTEGER NOT NULL DEFAULT 0,
            cost_usd REAL,
            attempts INTEGER NOT NULL DEFAULT 0,
            latency_ms INTEGER,
            ttft_ms INTEGER
        ) STRICT;
        CREATE INDEX usage_records_key_at ON usage_records (key_id, at);
        CREATE INDEX usage_records_at ON usage_records (at);
        """

    /// Appends records in one transaction.
    public func insertUsage(_ records: [UsageRecord]) async throws(StoreError) {
        guard !records.isEmpty else { return }
        try await write { connection in
            let insert = try connection.cachedStatement(
                """
                INSERT INTO usage_records (at, key_id, endpoint, model, provider, outcome, prompt_tokens,
                    completion_tokens, cost_usd, attempts, latency_ms, ttft_ms)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """)
            for record in records {
                insert.reset()
                try insert.bind([
                    .integer(Self.milliseconds(record.at)), SQLiteValue(record.keyID), .text(record.endpoint),
                    SQLiteValue(record.model), SQLiteValue(record.provider), .text(record.outcome),
                    .integer(Int64(record.promptTokens)), .integer(Int64(record.completionTokens)),
                    SQLiteValue(record.costUSD), .integer(Int64(record.attempts)), SQLiteValue(record.latencyMs),
                    SQLiteValue(record.ttftMs),
                ])
                try insert.run()
            }
        }
    }

    /// Totals for one key (nil: every key) since `since` (nil: ever).
    public func usageTotals(keyID: String?, since: Date? = nil) async throws(StoreError) -> UsageTotals {
        let from = since.map(Self.milliseconds) ?? 0
        return try await read { connection in
            let select = try connection.cachedStatement(
                """
                SELECT count(*), coalesce(sum(prompt_tokens), 0), coalesce(sum(completion_tokens), 0),
                    coalesce(sum(cost_usd), 0)
                FROM usage_records WHERE (?1 IS NULL OR key_id = ?1) AND at >= ?2
                """)
            try select.bind(keyID, at: 1)
            try select.bind(from, at: 2)
            return try select.first { row in
                UsageTotals(
                    requests: row.int(at: 0), promptTokens: row.int(at: 1), completionTokens: row.int(at: 2),
                    costUSD: row.double(at: 3))
            } ?? UsageTotals(requests: 0, promptTokens: 0, completionTokens: 0, costUSD: 0)
        }
    }

    /// The newest records of one key (nil: all), newest first.
    public func recentUsage(keyID: String?, limit: Int = 100) async throws(StoreError) -> [UsageRecord] {
        try await read { connection in
            let select = try connection.cachedStatement(
                """
                SELECT at, key_id, endpoint, model, provider, outcome, prompt_tokens, completion_tokens, cost_usd,
                    attempts, latency_ms, ttft_ms
                FROM usage_records WHERE (?1 IS NULL OR key_id = ?1) ORDER BY at DESC, id DESC LIMIT ?2
                """)
            try select.bind(keyID, at: 1)
            try select.bind(limit, at: 2)
            return try select.map { row in
                UsageRecord(
                    at: Self.date(milliseconds: row.int64(at: 0)), keyID: row.optionalString(at: 1),
                    endpoint: row.string(at: 2), model: row.optionalString(at: 3),
                    provider: row.optionalString(at: 4), outcome: row.string(at: 5), promptTokens: row.int(at: 6),
                    completionTokens: row.int(at: 7), costUSD: row.optionalDouble(at: 8), attempts: row.int(at: 9),
                    latencyMs: row.optionalInt(at: 10), ttftMs: row.optionalInt(at: 11))
            }
        }
    }
}
