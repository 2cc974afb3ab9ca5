import MRCatalog

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// Where probe runs, results and state changes are kept. The store-backed one (`StoreProbeRecorder`)
/// batches writes off the probe path; tests may keep them in memory.
public protocol ProbeRecorder: Sendable {
    /// A run begins; returns its id (the report's `run_id`).
    func runStarted(trigger: String, startedAt: Date, parameters: BatchParameters, total: Int) async -> Int64
    /// One result of run `runID`. Must not block: called from probe workers.
    func record(_ result: ProbeResult, runID: Int64)
    /// One deployment state change (the incident history). Must not block.
    func record(_ change: DeploymentStateChange)
    /// The run ended: every result recorded before this call is durable when it returns.
    func runFinished(_ summary: ProbeBatchSummary) async
    /// Periodic upkeep (retention pruning), called about hourly.
    func maintain(now: Date) async
}
