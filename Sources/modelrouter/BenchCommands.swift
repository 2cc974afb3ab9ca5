import ArgumentParser
import MRProviders

/// Hidden benchmark entry points for `bench/*/run.sh`: they run in the release binary so the numbers
/// are those of the code users run.
struct BenchSSECommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench-sse", abstract: "SSE parsing throughput against a naive baseline.", shouldDisplay: false)

    @Option(help: "Megabytes of synthetic OpenAI stream to parse.") var megabytes = 50

    func run() throws {
        guard (1...2000).contains(megabytes) else { throw ValidationError("--megabytes must be 1...2000") }
        print(SSEParserBenchmark.run(megabytes: megabytes))
    }
}
