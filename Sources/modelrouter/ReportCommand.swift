import ArgumentParser
import Logging
import MRAPI
import MRStore

/// `modelrouter report [latest|ID] [--json]`: a stored probe report, read from the database.
struct ReportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report", abstract: "Show a probe report (the latest, or one by id).")

    @OptionGroup var options: ConfigOptions
    @Argument(help: "latest (default) or a run id.") var which = "latest"
    @Flag(help: "Print the report as JSON (the API's shape).") var json = false

    func run() async throws {
        let config = try options.load()
        var logger = Logger(label: "modelrouter")
        logger.logLevel = .warning
        let store: Store
        do {
            store = try Store(path: config.storage.path, logger: logger)
        } catch {
            throw ValidationFailure(message: "cannot open the database: \(error)")
        }
        defer { store.close() }
        let found: (run: ProbeRunRecord, results: [ProbeResultRecord])?
        if which == "latest" {
            found = try await store.latestProbeRun()
        } else if let id = Int64(which), id > 0 {
            found = try await store.probeRun(id: id)
        } else {
            throw ValidationError("expected 'latest' or a positive run id, got '\(which.prefix(64))'")
        }
        guard let (run, results) = found else {
            throw ValidationFailure(
                message: which == "latest" ? "no probe run recorded yet" : "no report with id \(which)")
        }
        if json {
            print(String(decoding: ProbeReportJSON.report(run, results: results), as: UTF8.self))
            return
        }
        print(
            "run \(run.id) (\(run.trigger)) \(run.outcome), started \(run.startedAt.formatted(.iso8601))"
                + (run.finishedAt.map { ", finished \($0.formatted(.iso8601))" } ?? ""))
        print("workers \(run.workers), delay \(run.delayMs) ms, timeout \(run.timeoutMs) ms, \(run.total) deployments")
        print(ProbeOutput.table(results))
        print(ProbeOutput.counts(run.summary))
    }
}
