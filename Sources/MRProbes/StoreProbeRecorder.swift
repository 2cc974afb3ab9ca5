import Logging
import MRCatalog
import MRStore

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// Keeps probe runs, results and state changes in SQLite.
///
/// Results and events go through `ProbeResultWriter` (batched, off the probe path: a slow disk never
/// delays a probe); only the start and end of a run are awaited, and the end first flushes the writer,
/// so a report is complete — and survives `kill -9` — by the time its `done` event is sent.
public final class StoreProbeRecorder: ProbeRecorder {
    let store: Store
    let writer: ProbeResultWriter
    /// Raw results older than this many days are pruned (roll-ups are kept longer).
    let retentionDays: Int
    let logger: Logger

    public init(store: Store, writer: ProbeResultWriter, retentionDays: Int, logger: Logger) {
        self.store = store
        self.writer = writer
        self.retentionDays = max(1, retentionDays)
        self.logger = logger
    }

    public func runStarted(trigger: String, startedAt: Date, parameters: BatchParameters, total: Int) async -> Int64 {
        do {
            return try await store.startProbeRun(
                trigger: trigger, startedAt: startedAt, workers: parameters.workers,
                delayMs: Int(parameters.delay.milliseconds), timeoutMs: Int(parameters.timeout.milliseconds),
                total: total)
        } catch {
            // The probes still run and feed health; only the report is lost.
            logger.error("could not record the start of a probe run", metadata: ["error": "\(error)"])
            return 0
        }
    }

    public func record(_ result: ProbeResult, runID: Int64) {
        writer.submit(
            ProbeResultRecord(
                runID: runID == 0 ? nil : runID, model: result.model, provider: result.provider,
                status: result.status.rawValue, latencyMs: result.latencyMs, ttftMs: result.ttftMs,
                httpStatus: result.httpStatus, error: result.error, checkedAt: result.checkedAt))
    }

    public func record(_ change: DeploymentStateChange) {
        writer.submit(
            event: DeploymentEventRecord(
                id: 0, model: change.model, provider: change.provider, fromState: change.from.rawValue,
                toState: change.to.rawValue, status: change.status.rawValue, error: change.error,
                source: change.source.rawValue, at: change.at))
    }

    public func runFinished(_ summary: ProbeBatchSummary) async {
        await writer.flush()
        guard summary.runID != 0 else { return }
        do {
            try await store.finishProbeRun(
                id: summary.runID, finishedAt: summary.finishedAt, outcome: summary.outcome, summary: summary.summary)
        } catch {
            logger.error(
                "could not record the end of a probe run",
                metadata: ["run_id": "\(summary.runID)", "error": "\(error)"])
        }
    }

    public func maintain(now: Date) async {
        do {
            // Raw rows past the retention, roll-ups past theirs (400 days), in small batches; then the
            // store re-encodes recent roll-ups compactly.
            let pruned = try await store.pruneProbeData(now: now, retentionDays: retentionDays)
            if pruned > 0 { logger.info("pruned old probe results", metadata: ["rows": "\(pruned)"]) }
        } catch {
            // A stop cancels the upkeep, which interrupts its statement: nothing failed, and nothing was lost
            // (each batch is its own transaction; the next start prunes the rest).
            if Task.isCancelled {
                logger.debug("pruning probe results stopped: the service is stopping")
            } else {
                logger.warning("pruning probe results failed", metadata: ["error": "\(error)"])
            }
        }
    }

    /// What the store remembers of each deployment, for the health registry at start-up; and runs left
    /// `running` by a crash are marked `cancelled`.
    public func restore(into registry: HealthRegistry) async {
        do {
            let cancelled = try await store.markUnfinishedProbeRunsCancelled(at: Date())
            if cancelled > 0 {
                logger.notice("marked interrupted probe runs cancelled", metadata: ["runs": "\(cancelled)"])
            }
            let records = try await store.availability(now: Date())
            registry.restore(records.map(Self.snapshot))
        } catch {
            logger.error("could not restore deployment health from the store", metadata: ["error": "\(error)"])
        }
    }

    static func snapshot(_ record: DeploymentAvailabilityRecord) -> DeploymentSnapshot {
        let state = record.currentState.flatMap(DeploymentState.init(rawValue:)) ?? .unknown
        return DeploymentSnapshot(
            model: record.model, provider: record.provider, machine: DeploymentStateMachine(state: state),
            status: record.lastStatus.flatMap(DeploymentStatus.init(rawValue:)) ?? .unknown,
            latencyMs: record.lastLatencyMs, ttftMs: record.lastTTFTMs, lastChecked: record.lastChecked,
            lastError: record.lastError, lastErrorAt: record.lastErrorAt)
    }
}
