import ArgumentParser
import Logging
import MRStore

#if canImport(Glibc)
    import Glibc
#endif

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// `modelrouter keys create|list|revoke`: manage API keys in the database directly.
struct KeysCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "keys", abstract: "Create, list and revoke API keys.",
        subcommands: [Create.self, List.self, Revoke.self])

    static func openStore(_ options: ConfigOptions) throws -> Store {
        let config = try options.load()
        var logger = Logger(label: "modelrouter")
        logger.logLevel = .warning
        return try Store(path: config.storage.path, logger: logger)
    }

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Create a key; it is printed once, store it.")
        @OptionGroup var options: ConfigOptions
        @Argument(help: "A name for the key (who or what uses it).") var name: String
        @Option(help: "Requests per minute allowed (default: unlimited).") var rpm: Int?
        @Flag(help: "Allow admin routes (key management).") var admin = false

        func run() async throws {
            let store = try KeysCommand.openStore(options)
            defer { store.close() }
            do {
                let created = try await store.createAPIKey(name: name, rpm: rpm, isAdmin: admin)
                print(created.plaintext)
                FileHandleStderr.write("created \(created.record.id) (\(name)); the key above is not shown again\n")
            } catch {
                throw ValidationFailure(message: error.detail)
            }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List keys (prefixes only).")
        @OptionGroup var options: ConfigOptions

        func run() async throws {
            let store = try KeysCommand.openStore(options)
            defer { store.close() }
            let keys = try await store.listAPIKeys()
            print("ID".padding(24) + "NAME".padding(24) + "PREFIX".padding(12) + "STATUS".padding(9) + "CREATED")
            for key in keys {
                print(
                    key.id.padding(24) + key.name.padding(24) + key.prefix.padding(12)
                        + (key.isActive ? "active" : "revoked").padding(9) + key.createdAt.formatted(.iso8601))
            }
        }
    }

    struct Revoke: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Revoke a key by id.")
        @OptionGroup var options: ConfigOptions
        @Argument(help: "The key id (key_…).") var id: String

        func run() async throws {
            let store = try KeysCommand.openStore(options)
            defer { store.close() }
            guard try await store.revokeAPIKey(id: id) else {
                throw ValidationFailure(message: "no active key with id \(id)")
            }
            print("revoked \(id)")
        }
    }
}

extension String {
    fileprivate func padding(_ width: Int) -> String {
        count >= width ? self + " " : self + String(repeating: " ", count: width - count)
    }
}

enum FileHandleStderr {
    static func write(_ text: String) {
        let bytes = Array(text.utf8)
        _ = bytes.withUnsafeBytes { Glibc.write(2, $0.baseAddress, $0.count) }
    }
}
