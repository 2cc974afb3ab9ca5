import ArgumentParser
import MRCommon

/// `modelrouter`: the one executable. Each subcommand lives in its own file.
@main
struct ModelRouterCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "modelrouter",
        abstract: "A self-hosted, monitoring-first LLM gateway.",
        version: ModelRouterVersion.current,
        subcommands: [
            ServeCommand.self, CheckConfigCommand.self, KeysCommand.self, ProbeCommand.self, ReportCommand.self,
            UsersCommand.self, VersionCommand.self, BenchSSECommand.self, BenchCatalogCommand.self,
            BenchProbeStoreCommand.self,
        ],
        defaultSubcommand: nil)
}

struct VersionCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "version", abstract: "Print the version.")
    func run() { print("modelrouter \(ModelRouterVersion.current)") }
}
