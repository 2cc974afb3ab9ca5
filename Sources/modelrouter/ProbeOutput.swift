import MRAPI
import MRCatalog
import MRProbes
import MRStore

#if canImport(Glibc)
    import Glibc
#endif

/// The text shapes of `probe` and `report`: a fixed-width table and a summary line. JSON output uses the
/// API's encoders, so `--json` prints what the HTTP API serves.
enum ProbeOutput {
    struct Row {
        var model: String
        var provider: String
        var status: String
        var latencyMs: Int?
        var ttftMs: Int?
        var error: String?
    }

    static func table(_ results: [ProbeResult]) -> String {
        table(
            results.map {
                Row(
                    model: $0.model, provider: $0.provider, status: $0.status.rawValue, latencyMs: $0.latencyMs,
                    ttftMs: $0.ttftMs, error: $0.error)
            })
    }

    static func table(_ records: [ProbeResultRecord]) -> String {
        table(
            records.map {
                Row(
                    model: $0.model, provider: $0.provider, status: $0.status, latencyMs: $0.latencyMs,
                    ttftMs: $0.ttftMs, error: $0.error)
            })
    }

    static func table(_ rows: [Row]) -> String {
        let modelWidth = min(48, max(5, rows.map(\.model.count).max() ?? 0))
        let providerWidth = min(20, max(8, rows.map(\.provider.count).max() ?? 0))
        var lines = [
            "MODEL".padded(modelWidth) + "PROVIDER".padded(providerWidth) + "STATUS".padded(13)
                + "LATENCY".padded(10) + "TTFT".padded(9) + "ERROR"
        ]
        for row in rows {
            lines.append(
                row.model.clipped(modelWidth).padded(modelWidth)
                    + row.provider.clipped(providerWidth).padded(providerWidth)
                    + row.status.padded(13) + milliseconds(row.latencyMs).padded(10)
                    + milliseconds(row.ttftMs).padded(9) + (row.error ?? "").clipped(80))
        }
        return lines.joined(separator: "\n")
    }

    static func summaryLine(_ summary: ProbeBatchSummary) -> String {
        "run \(summary.runID) \(summary.outcome) in \(summary.duration.formattedShort): "
            + counts(summary.summary)
    }

    static func counts(_ counts: [String: Int]) -> String {
        counts.isEmpty
            ? "nothing probed"
            : counts.sorted { $0.key < $1.key }.map { "\($0.value) \($0.key)" }
                .joined(separator: ", ")
    }

    static func json(results: [ProbeResult], summary: ProbeBatchSummary?) -> String {
        String(decoding: ProbeReportJSON.batch(results: results, summary: summary), as: UTF8.self)
    }

    static func milliseconds(_ value: Int?) -> String { value.map { "\($0) ms" } ?? "-" }
}

/// Progress on stderr: a redrawn bar on a terminal, one plain line per result otherwise.
final class ProgressReporter {
    let interactive: Bool
    private var total = 0
    private var done = 0
    private var failed = 0

    init(interactive: Bool) { self.interactive = interactive }

    func start(total: Int, runID: Int64) {
        self.total = total
        if !interactive { FileHandleStderr.write("probe run \(runID): \(total) deployments\n") }
        draw()
    }

    func advance(_ result: ProbeResult) {
        done += 1
        if !result.status.isAvailable { failed += 1 }
        if interactive {
            draw()
        } else {
            FileHandleStderr.write(
                "[\(done)/\(total)] \(result.model) @ \(result.provider): \(result.status.rawValue)"
                    + (result.latencyMs.map { " \($0) ms" } ?? "") + "\n")
        }
    }

    func finish() {
        if interactive { FileHandleStderr.write("\n") }
    }

    private func draw() {
        guard interactive else { return }
        let width = 30
        let filled = total == 0 ? width : width * done / total
        let bar = String(repeating: "#", count: filled) + String(repeating: ".", count: width - filled)
        FileHandleStderr.write("\r[\(bar)] \(done)/\(total)  failed: \(failed) ")
    }
}

extension String {
    /// Left-aligned in `width` columns, with at least one space after.
    func padded(_ width: Int) -> String {
        count >= width ? self + " " : self + String(repeating: " ", count: width - count)
    }

    /// At most `width` characters, with an ellipsis when cut.
    func clipped(_ width: Int) -> String {
        count <= width ? self : String(prefix(max(0, width - 1))) + "…"
    }
}
