import ArgumentParser
import Logging
import MRApp
import MRConfig

#if canImport(Glibc)
    import Glibc
#endif

/// `modelrouter serve`: run the service until SIGTERM/SIGINT, then shut down gracefully (exit 0).
struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve", abstract: "Run the HTTP service (API, probes, dashboard).")

    @OptionGroup var options: ConfigOptions

    @Option(name: .long, help: "HOST:PORT to listen on (overrides server.listen).")
    var listen: String?

    @Flag(name: .long, help: "Add the simulated demo provider (no vendor key needed).")
    var demo = false

    @Option(name: .long, help: "trace, debug, info, notice, warning, error or critical.")
    var logLevel: String?

    @Option(name: .long, help: "text or json (one object per line; overrides server.log_format).")
    var logFormat: LogFormat?

    func run() async throws {
        let config = try options.load(listen: listen, demo: demo)
        let logger = Logs.bootstrap(level: logLevel, format: logFormat ?? config.server.logFormat)
        let application: Application
        do {
            application = try await Application(config: config, logger: logger)
        } catch {
            throw ValidationFailure(message: "cannot start: \(error)")
        }
        print("ModelRouter listening on \(application.baseURL)")
        fflush(nil)  // stdout may be a pipe (systemd, tests): the URL line must not wait in a buffer
        SystemdNotifier.notify("READY=1")
        let watchdog = SystemdWatchdog.start(environment: ProcessEnvironment.current)
        let signal = await SignalWaiter.wait()
        logger.notice("received \(signal)")
        SystemdNotifier.notify("STOPPING=1")
        watchdog?.stop()
        await application.shutdown()
    }
}

/// `modelrouter check-config`: validate the configuration without starting.
struct CheckConfigCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check-config", abstract: "Validate the configuration file and exit.")

    @OptionGroup var options: ConfigOptions

    func run() throws {
        let config = try options.load()
        print("configuration OK")
        print("  listen:    \(config.server.listen.host):\(config.server.listen.port)")
        print("  database:  \(config.storage.path)")
        print("  providers: \(config.providers.map(\.id).joined(separator: ", "))")
        let webhooks = config.notifications.webhooks
        print("  webhooks:  \(webhooks.isEmpty ? "none" : webhooks.map(\.redactedURL).joined(separator: ", "))")
    }
}

/// Subcommands whose features come with later issues: they say so and exit 2 rather than pretend.
struct UsersCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "users", abstract: "Manage accounts (not built yet).")
    func run() throws { throw NotBuilt(feature: "users") }
}

extension LogFormat: ExpressibleByArgument {}

struct NotBuilt: Error, CustomStringConvertible {
    let feature: String
    var description: String { "modelrouter \(feature): not implemented yet" }
}
