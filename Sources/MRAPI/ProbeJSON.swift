import MRCatalog
import MRProbes
import MRStore
import MRWeb

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// The probe shapes of SPEC "Response shapes" and "SSE streams", written straight to bytes.
enum ProbeJSON {
    /// A probe result: `{"model", "provider", "status", "latency_ms", "ttft_ms", "http_status", "error",
    /// "checked_at"}`.
    static func result(_ result: ProbeResult, into object: inout JSONWriter.ObjectWriter) {
        fields(
            model: result.model, provider: result.provider, status: result.status.rawValue,
            latencyMs: result.latencyMs, ttftMs: result.ttftMs, httpStatus: result.httpStatus, error: result.error,
            checkedAt: result.checkedAt, into: &object)
    }

    static func result(_ result: ProbeResult) -> [UInt8] {
        var writer = JSONWriter(capacity: 256)
        writer.object { self.result(result, into: &$0) }
        return writer.bytes
    }

    /// A stored result (a report row), in the same shape.
    static func result(_ record: ProbeResultRecord) -> [UInt8] {
        var writer = JSONWriter(capacity: 256)
        writer.object { object in
            fields(
                model: record.model, provider: record.provider, status: record.status, latencyMs: record.latencyMs,
                ttftMs: record.ttftMs, httpStatus: record.httpStatus, error: record.error,
                checkedAt: record.checkedAt, into: &object)
        }
        return writer.bytes
    }

    /// The one place the result shape is written, for live results and stored rows alike.
    private static func fields(
        model: String, provider: String, status: String, latencyMs: Int?, ttftMs: Int?, httpStatus: Int?,
        error: String?, checkedAt: Date, into object: inout JSONWriter.ObjectWriter
    ) {
        object.field("model", model)
        object.field("provider", provider)
        object.field("status", status)
        object.field("latency_ms", latencyMs)
        object.field("ttft_ms", ttftMs)
        object.field("http_status", httpStatus)
        object.field("error", error)
        object.field("checked_at", time(checkedAt))
    }

    /// SSE `start`: `{"run_id", "total", "workers", "delay_ms", "timeout_ms"}` plus `trigger`,
    /// `started_at`, and `joined` (true when this request joined a batch already running).
    static func start(_ info: ProbeBatchInfo, joined: Bool) -> [UInt8] {
        var writer = JSONWriter(capacity: 192)
        writer.object { object in
            object.field("run_id", info.runID)
            object.field("total", info.total)
            object.field("workers", info.workers)
            object.field("delay_ms", Int(info.delay.milliseconds))
            object.field("timeout_ms", Int(info.timeout.milliseconds))
            object.field("trigger", info.trigger)
            object.field("started_at", time(info.startedAt))
            object.field("joined", joined)
        }
        return writer.bytes
    }

    /// SSE `done`: `{"run_id", "summary": {status: count}, "duration_ms"}` plus `outcome`.
    static func done(_ summary: ProbeBatchSummary) -> [UInt8] {
        var writer = JSONWriter(capacity: 192)
        writer.object { object in
            object.field("run_id", summary.runID)
            object.objectField("summary") { counts in
                for (status, count) in summary.summary.sorted(by: { $0.key < $1.key }) { counts.field(status, count) }
            }
            object.field("duration_ms", Int(summary.duration.milliseconds))
            object.field("outcome", summary.outcome)
        }
        return writer.bytes
    }

    /// RFC 3339 UTC, as everywhere else in the API.
    static func time(_ date: Date?) -> String? { date?.formatted(.iso8601) }
}
