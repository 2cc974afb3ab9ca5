import ArgumentParser
import Logging
import MRApp
import MRCatalog
import MRCommon
import MRConfig
import MRHTTPClient
import MRProbes
import MRStore

#if canImport(Glibc)
    import Glibc
#endif

/// `modelrouter probe`: one batch now, with the server's machinery, recorded as a `manual` report.
///
/// Progress goes to stderr (a bar on a terminal, a line per result otherwise); the table, or `--json`,
/// to stdout. Exit code 1 when any deployment is down after the run (a failed result: this run starts
/// from no history, so each result decides), 0 otherwise.
struct ProbeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "probe", abstract: "Probe every model now (one batch) and print the results.")

    @OptionGroup var options: ConfigOptions
    @Flag(name: .long, help: "Add the simulated demo provider.") var demo = false
    @Option(help: "Parallel probes (1-256; default: probes.workers).") var workers: Int?
    @Option(help: "Delay between starts per worker, e.g. 250ms (default: probes.delay).") var delay: String?
    @Option(help: "Per-probe timeout, e.g. 30s (default: probes.timeout).") var timeout: String?
    @Option(help: "Only models with this capability (chat, code, vision, embedding).") var capability: String?
    @Option(help: "Only this publisher's models.") var publisher: String?
    @Option(help: "Only this model id.") var model: String?
    @Flag(help: "Print the results as JSON instead of a table.") var json = false

    func run() async throws {
        let config = try options.load(demo: demo)
        var parameters = BatchParameters(
            workers: config.probes.workers, delay: config.probes.delay, timeout: config.probes.timeout)
        if let workers {
            guard ProbeConfig.workersRange.contains(workers) else { throw ValidationError("--workers must be 1...256") }
            parameters.workers = workers
        }
        if let delay { parameters.delay = try Self.duration(delay, "--delay", in: ProbeConfig.delayRange) }
        if let timeout { parameters.timeout = try Self.duration(timeout, "--timeout", in: ProbeConfig.timeoutRange) }
        if let capability {
            guard let value = Capability(rawValue: capability) else {
                throw ValidationError("--capability must be one of chat, code, vision, embedding")
            }
            parameters.filter.capability = value
        }
        parameters.filter.publisher = publisher
        parameters.filter.model = model

        var logger = Logger(label: "modelrouter")
        logger.logLevel = .error
        let runtime = try await OneShotRuntime(config: config, logger: logger)
        let (batch, _) = runtime.stack.service.startBatch(trigger: "manual", parameters: parameters)
        let progress = ProgressReporter(interactive: isatty(2) == 1)
        var results: [ProbeResult] = []
        var summary: ProbeBatchSummary?
        for await event in batch.listen() {
            switch event {
            case .start(let info): progress.start(total: info.total, runID: info.runID)
            case .result(let result):
                results.append(result)
                progress.advance(result)
            case .done(let done): summary = done
            }
        }
        progress.finish()
        await runtime.close()
        let order = Dictionary(results.enumerated().map { ($1.deployment, $0) }, uniquingKeysWith: { a, _ in a })
        results.sort {
            ($0.model, $0.provider, order[$0.deployment] ?? 0) < ($1.model, $1.provider, order[$1.deployment] ?? 0)
        }
        if json {
            print(ProbeOutput.json(results: results, summary: summary))
        } else {
            print(ProbeOutput.table(results))
            if let summary { print(ProbeOutput.summaryLine(summary)) }
        }
        if results.isEmpty { FileHandleStderr.write("no deployment matched; nothing was probed\n") }
        if results.contains(where: { Self.isDown($0.status) }) { throw ExitCode(1) }
    }

    /// A failure that takes a deployment down (rate-limited is not down: it answered).
    static func isDown(_ status: DeploymentStatus) -> Bool {
        switch status {
        case .error, .timeout, .authError, .notFound: true
        case .ok, .degraded, .rateLimited, .unknown: false
        }
    }

    static func duration(_ text: String, _ flag: String, in range: ClosedRange<Duration>) throws -> Duration {
        guard let value = try? Duration(parsing: text), range.contains(value) else {
            throw ValidationError(
                "\(flag) must be a duration between \(range.lowerBound.formattedShort) and \(range.upperBound.formattedShort)"
            )
        }
        return value
    }
}

/// Store, client, adapters, catalog and probe stack for one command run.
struct OneShotRuntime {
    let store: Store
    let client: HTTPClient
    let catalog: CatalogService
    let stack: ProbeStack

    init(config: Config, logger: Logger) async throws {
        let config = ProviderFactory.applyingDemo(config)
        do {
            store = try Store(path: config.storage.path, logger: logger)
        } catch {
            throw ValidationFailure(message: "cannot open the database: \(error)")
        }
        client = HTTPClient(
            configuration: .init(userAgent: "modelrouter/\(ModelRouterVersion.current)"), logger: logger)
        let adapters = ProviderFactory.makeAdapters(for: config.providers, client: client)
        catalog = CatalogService(providers: config.providers, adapters: adapters, store: store, logger: logger)
        await catalog.start()
        await catalog.refresh()
        stack = await ProbeStack.make(
            config: config, store: store, catalog: catalog, adapters: adapters, restore: false, logger: logger)
    }

    func close() async {
        await stack.stop()
        await catalog.stop()
        client.shutdown()
        store.close()
    }
}
