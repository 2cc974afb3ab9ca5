import Foundation
import Logging
import MRStore
import MRTestSupport
import Testing

@Suite struct StoreAPIKeyTests {
    static let logger = Logger(label: "test.store", factory: { _ in SwiftLogNoOpLogHandler() })

    static func isWellFormedKey(_ key: String) -> Bool {
        key.count == 43 && key.hasPrefix("ar_")
            && key.dropFirst(3).unicodeScalars.allSatisfy {
                ("0"..."9").contains($0) || ("A"..."Z").contains($0) || ("a"..."z").contains($0)
            }
    }

    @Test func createdKeysAreListedAndMatchTheirPlaintext() async throws {
        let directory = try TemporaryDirectory()
        let store = try Store(path: directory.file(), logger: Self.logger)
        defer { store.close() }

        let before = Date()
        let first = try await store.createAPIKey(name: "  ci bot  ", rpm: 60)
        let second = try await store.createAPIKey(name: "admin", rpm: nil, isAdmin: true)

        #expect(Self.isWellFormedKey(first.plaintext))
        #expect(Self.isWellFormedKey(second.plaintext))
        #expect(first.plaintext != second.plaintext)
        #expect(first.record.id.hasPrefix("key_") && first.record.id.count == 20)
        #expect(first.record.id != second.record.id)
        #expect(first.record.prefix == String(first.plaintext.prefix(8)))
        #expect(first.record.name == "ci bot")
        #expect(first.record.rpm == 60)
        #expect(!first.record.isAdmin)
        #expect(second.record.isAdmin && second.record.rpm == nil)
        #expect(first.record.isActive && first.record.revokedAt == nil && first.record.lastUsedAt == nil)
        #expect(first.record.ownerID == nil)
        #expect(abs(first.record.createdAt.timeIntervalSince(before)) < 60)

        #expect(try await store.listAPIKeys() == [first.record, second.record])
        #expect(try await store.apiKey(matchingPlaintext: first.plaintext) == first.record)
        #expect(try await store.apiKey(matchingPlaintext: second.plaintext) == second.record)
    }

    @Test func revokedKeysNoLongerMatch() async throws {
        let directory = try TemporaryDirectory()
        let store = try Store(path: directory.file(), logger: Self.logger)
        defer { store.close() }
        let kept = try await store.createAPIKey(name: "kept", rpm: nil)
        let revoked = try await store.createAPIKey(name: "revoked", rpm: nil)

        #expect(try await store.revokeAPIKey(id: revoked.record.id))
        #expect(try await !store.revokeAPIKey(id: revoked.record.id))
        #expect(try await !store.revokeAPIKey(id: "key_doesnotexist"))

        #expect(try await store.apiKey(matchingPlaintext: revoked.plaintext) == nil)
        #expect(try await store.apiKey(matchingPlaintext: kept.plaintext) == kept.record)
        let listed = try await store.listAPIKeys()
        #expect(listed.map(\.id) == [kept.record.id, revoked.record.id])
        #expect(listed[0].isActive)
        #expect(!listed[1].isActive && listed[1].revokedAt != nil)
    }

    @Test(arguments: [
        "", "ar_", "garbage", "ar_0000000000000000000000000000000000000000", String(repeating: "x", count: 10_000),
    ])
    func garbageMatchesNothing(_ candidate: String) async throws {
        let directory = try TemporaryDirectory()
        let store = try Store(path: directory.file(), logger: Self.logger)
        defer { store.close() }
        let key = try await store.createAPIKey(name: "real", rpm: nil)
        #expect(try await store.apiKey(matchingPlaintext: candidate) == nil)
        // A near miss does not match either.
        #expect(try await store.apiKey(matchingPlaintext: key.plaintext + "x") == nil)
        #expect(try await store.apiKey(matchingPlaintext: String(key.plaintext.dropLast())) == nil)
    }

    @Test func plaintextIsNeverStored() async throws {
        let directory = try TemporaryDirectory()
        let path = directory.file()
        let store = try Store(path: path, logger: Self.logger)
        var keys: [CreatedAPIKey] = []
        for index in 0..<5 { keys.append(try await store.createAPIKey(name: "key \(index)", rpm: 100)) }
        _ = try await store.revokeAPIKey(id: keys[0].record.id)
        // Closing checkpoints the log into the file (TRUNCATE); scan whatever files exist anyway.
        store.close()

        var bytes: [UInt8] = []
        for suffix in ["", "-wal", "-shm"] {
            if let data = FileManager.default.contents(atPath: path + suffix) { bytes += data }
        }
        #expect(bytes.count > 0)
        for key in keys {
            #expect(!Self.contains(bytes, key.plaintext))
            // Nor the secret part without its public prefix.
            #expect(!Self.contains(bytes, String(key.plaintext.dropFirst(8))))
            // The scan does find what is stored: the hash and the display prefix.
            #expect(Self.contains(bytes, Store.hashAPIKey(key.plaintext)))
            #expect(Self.contains(bytes, key.record.prefix))
        }
    }

    static func contains(_ haystack: [UInt8], _ needle: String) -> Bool {
        let needle = Array(needle.utf8)
        guard !needle.isEmpty, haystack.count >= needle.count else { return false }
        return (0...(haystack.count - needle.count)).contains { start in
            haystack[start] == needle[0] && haystack[start..<(start + needle.count)].elementsEqual(needle)
        }
    }

    @Test func hashIsHexSHA256() {
        #expect(Store.hashAPIKey("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(Store.hashAPIKey("") == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
    }

    @Test(arguments: [
        ("", 10), ("   ", 10), (String(repeating: "n", count: 101), 10), ("tab\there", 10), ("ok", 0), ("ok", -5),
        ("ok", 1_000_001),
    ])
    func invalidInputIsRejected(name: String, rpm: Int) async throws {
        let directory = try TemporaryDirectory()
        let store = try Store(path: directory.file(), logger: Self.logger)
        defer { store.close() }
        let error = await #expect(throws: StoreError.self) { try await store.createAPIKey(name: name, rpm: rpm) }
        #expect(error?.isInvalidInput == true)
        #expect(error?.description == "invalid_input")
        #expect(error?.detail.isEmpty == false)
        #expect(try await store.listAPIKeys().isEmpty)
    }

    @Test func boundaryInputIsAccepted() async throws {
        let directory = try TemporaryDirectory()
        let store = try Store(path: directory.file(), logger: Self.logger)
        defer { store.close() }
        let longName = String(repeating: "é", count: 100)
        #expect(try await store.createAPIKey(name: longName, rpm: 1).record.name == longName)
        #expect(try await store.createAPIKey(name: "max", rpm: 1_000_000).record.rpm == 1_000_000)
        #expect(try await store.createAPIKey(name: "🔑 unicode", rpm: nil).record.name == "🔑 unicode")
    }

    @Test func syncVariantsWork() throws {
        let directory = try TemporaryDirectory()
        let store = try Store(path: directory.file(), logger: Self.logger)
        defer { store.close() }
        let created = try store.createAPIKeySync(name: "cli", rpm: 5, isAdmin: true)
        #expect(try store.listAPIKeysSync() == [created.record])
        #expect(try store.revokeAPIKeySync(id: created.record.id))
        #expect(try !store.revokeAPIKeySync(id: created.record.id))
        #expect(try store.listAPIKeysSync().first?.isActive == false)
        #expect(throws: StoreError.self) { try store.createAPIKeySync(name: "", rpm: nil) }
    }

    @Test func lastUsedOnlyMovesForward() async throws {
        let directory = try TemporaryDirectory()
        let store = try Store(path: directory.file(), logger: Self.logger)
        defer { store.close() }
        let key = try await store.createAPIKey(name: "used", rpm: nil)
        let other = try await store.createAPIKey(name: "unused", rpm: nil)
        let later = Date(timeIntervalSince1970: 2_000_000_000)
        try await store.markAPIKeysUsed(ids: [key.record.id, "key_unknown"], at: later)
        try await store.markAPIKeysUsed(ids: [key.record.id], at: Date(timeIntervalSince1970: 1_000_000_000))
        let records = try await store.listAPIKeys()
        #expect(records.first { $0.id == key.record.id }?.lastUsedAt == later)
        #expect(records.first { $0.id == other.record.id }?.lastUsedAt == nil)
    }

    @Test func reopenedStoreKeepsKeys() async throws {
        let directory = try TemporaryDirectory()
        let path = directory.file()
        let created: CreatedAPIKey
        do {
            let store = try Store(path: path, logger: Self.logger)
            created = try await store.createAPIKey(name: "durable", rpm: 42)
            store.close()
        }
        let reopened = try Store(path: path, logger: Self.logger)
        defer { reopened.close() }
        #expect(reopened.schemaVersion >= 1)
        #expect(try await reopened.listAPIKeys() == [created.record])
        #expect(try await reopened.apiKey(matchingPlaintext: created.plaintext) == created.record)
    }

    @Test func reachableUntilClosed() async throws {
        let directory = try TemporaryDirectory()
        let store = try Store(path: directory.file(), logger: Self.logger)
        #expect(await store.isReachable())
        store.close()
        store.close()
        #expect(await !store.isReachable())
        let error = await #expect(throws: StoreError.self) { try await store.listAPIKeys() }
        #expect(error?.sqliteError?.isClosed == true)
    }

    @Test func unopenablePathFailsClearly() throws {
        let directory = try TemporaryDirectory()
        let error = #expect(throws: StoreError.self) {
            try Store(path: directory.file("missing-dir/x.db"), logger: Self.logger)
        }
        #expect(error?.description == "database")
        #expect(error?.detail.contains("missing-dir") == true)
    }

    @Test func recordsEncodeAsJSON() throws {
        let record = APIKeyRecord(
            id: "key_1", name: "n", prefix: "ar_abcde", createdAt: Date(timeIntervalSince1970: 1), rpm: 3)
        let decoded = try JSONDecoder().decode(APIKeyRecord.self, from: JSONEncoder().encode(record))
        #expect(decoded == record)
    }
}
