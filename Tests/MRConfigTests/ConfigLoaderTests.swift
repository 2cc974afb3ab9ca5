import Foundation
import MRConfig
import MRTestSupport
import Testing

@Suite("Loading files, overrides and listen addresses")
struct ConfigLoaderTests {
    @Test("a file named by path is loaded, and errors name it")
    func loadsNamedFile() throws {
        let directory = try TemporaryDirectory()
        let file = try directory.write("modelrouter.yaml", "probes:\n  workers: 7\n")
        let config = try ConfigLoader.load(path: file, environment: [:])
        #expect(config.probes.workers == 7)

        let bad = try directory.write("bad.yaml", "probes:\n  workers: 0\n")
        #expect(throws: ConfigError.self) { try ConfigLoader.load(path: bad, environment: [:]) }
        do {
            _ = try ConfigLoader.load(path: bad, environment: [:])
        } catch {
            #expect(error.description == "\(bad):2:12: probes.workers: must be between 1 and 256, got 0")
        }
    }

    @Test("MODELROUTER_CONFIG names the file when no path is given; a path wins over it")
    func environmentVariable() throws {
        let directory = try TemporaryDirectory()
        let fromVariable = try directory.write("a.yaml", "storage:\n  retention_days: 5\n")
        let fromPath = try directory.write("b.yaml", "storage:\n  retention_days: 6\n")
        let environment = ["MODELROUTER_CONFIG": fromVariable]
        #expect(try ConfigLoader.load(path: nil, environment: environment).storage.retentionDays == 5)
        #expect(try ConfigLoader.load(path: fromPath, environment: environment).storage.retentionDays == 6)
        #expect(try ConfigLoader.load(path: nil, environment: ["MODELROUTER_CONFIG": ""]) == Config())
    }

    @Test("a missing file named explicitly is an error; so is a directory")
    func missingFile() throws {
        let directory = try TemporaryDirectory()
        let missing = "\(directory.path)/nope.yaml"
        for environment in [[:], ["MODELROUTER_CONFIG": missing]] {
            do {
                _ = try ConfigLoader.load(path: environment.isEmpty ? missing : nil, environment: environment)
                Issue.record("a missing file loaded")
            } catch {
                #expect(error.kind == .fileNotFound)
                #expect(error.file == missing)
                #expect(error.description == "\(missing): configuration file not found")
            }
        }
        do {
            _ = try ConfigLoader.load(path: directory.path, environment: [:])
            Issue.record("a directory loaded")
        } catch {
            #expect(error.kind == .unreadableFile)
        }
    }

    @Test("a file that is not UTF-8 is an error")
    func notUTF8() throws {
        let directory = try TemporaryDirectory()
        let file = try directory.write("latin1.yaml", "")
        try [UInt8]([0x73, 0x3A, 0x20, 0xFF, 0xFE, 0x0A]).withUnsafeBytes { bytes in
            try Data(bytes).write(to: URL(fileURLWithPath: file))
        }
        #expect(throws: ConfigError.self) { try ConfigLoader.load(path: file, environment: [:]) }
    }

    @Test("flags override the file")
    func overrides() throws {
        let base = try parse("server:\n  listen: 0.0.0.0:80\nstorage:\n  path: /data/a.db\n")
        let config = try base.applying(ConfigOverrides(listen: "[::1]:0", databasePath: "/tmp/x.db", demo: true))
        #expect(config.server.listen == ListenAddress(host: "::1", port: 0))
        #expect(config.storage.path == "/tmp/x.db")
        #expect(config.demo)
        #expect(try base.applying(ConfigOverrides()) == base)
        #expect(base.demo == false)
    }

    @Test("a bad flag value names the flag")
    func badOverrides() throws {
        do {
            _ = try Config().applying(ConfigOverrides(listen: "localhost"))
            Issue.record("accepted")
        } catch {
            #expect(error.keyPath == "--listen")
            #expect(error.file == nil && error.line == nil)
            #expect(error.description.hasPrefix("--listen: invalid listen address \"localhost\""))
        }
        #expect(throws: ConfigError.self) { try Config().applying(ConfigOverrides(databasePath: "")) }
    }

    @Test(
        "listen addresses",
        arguments: [
            ("127.0.0.1:8080", "127.0.0.1", UInt16(8080)),
            ("localhost:9000", "localhost", 9000),
            ("my-host.example.com:443", "my-host.example.com", 443),
            ("[::1]:8080", "::1", 8080),
            ("[::]:0", "::", 0),
            (":8080", "0.0.0.0", 8080),
            ("8080", "127.0.0.1", 8080),
            ("0.0.0.0:0", "0.0.0.0", 0),
            ("127.0.0.1:65535", "127.0.0.1", 65535),
        ])
    func listenAddresses(text: String, host: String, port: UInt16) throws {
        let address = try ListenAddress(parsing: text)
        #expect(address == ListenAddress(host: host, port: port))
        #expect(try ListenAddress(parsing: address.description) == address)
    }

    @Test(
        "invalid listen addresses",
        arguments: [
            "", "localhost", "::1:8080", "[::1]", "[::1]8080", "host:", "host:65536", "host:-1", "ho st:80", "[zz]:80",
            "host:80a", "[::1:80",
        ])
    func invalidListenAddresses(text: String) {
        #expect(throws: ListenAddress.ParseError.self) { try ListenAddress(parsing: text) }
    }
}
