import Logging
import MRCatalog
import MRConfig
import Synchronization

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// Runs probes: the schedule (every `probes.interval`), on-demand batches, and single-model probes, all
/// through the same `BatchExecutor` and `ProbeRunner`. Results feed the health registry (state and
/// incidents) and the recorder (time series and reports).
///
/// Only one batch runs at a time: asking for a batch while one runs joins it (the caller listens to the
/// running batch from its start), so no request can double the load on providers.
public final class ProbeService: Sendable {
    public let config: ProbeConfig
    let catalog: CatalogService
    let runner: ProbeRunner
    let registry: HealthRegistry
    let recorder: any ProbeRecorder
    let logger: Logger
    /// Called for every result and finished run (metrics); on the worker that produced it.
    let observer: ProbeObserver?

    private struct State {
        var current: ProbeBatch?
        var currentTask: Task<Void, Never>?
        var tasks: [Task<Void, Never>] = []
        var stopped = false
    }

    private let state = Mutex(State())

    public init(
        config: ProbeConfig, catalog: CatalogService, runner: ProbeRunner, registry: HealthRegistry,
        recorder: any ProbeRecorder, observer: ProbeObserver? = nil, logger: Logger
    ) {
        self.config = config
        self.catalog = catalog
        self.runner = runner
        self.registry = registry
        self.recorder = recorder
        self.observer = observer
        self.logger = logger
    }

    /// The default parameters of a batch: the configuration's.
    public var defaultParameters: BatchParameters {
        BatchParameters(workers: config.workers, delay: config.delay, timeout: config.timeout)
    }

    /// The batch running now, if any.
    public var runningBatch: ProbeBatch? {
        state.withLock { $0.current.flatMap { $0.isFinished ? nil : $0 } }
    }

    // MARK: Lifecycle

    /// Starts the schedule (when `interval` > 0), the incident recorder and the hourly upkeep.
    public func start() {
        let changes = registry.changes()
        let recorder = self.recorder
        let incidents = Task {
            for await change in changes { recorder.record(change) }
        }
        let upkeep = Task { [recorder] in
            while !Task.isCancelled {
                await recorder.maintain(now: Date())
                try? await Task.sleep(for: .seconds(3600))
            }
        }
        var tasks = [incidents, upkeep]
        if config.isScheduled {
            tasks.append(Task { [weak self] in await self?.scheduleLoop() })
        }
        let started = state.withLock { state -> Bool in
            guard !state.stopped else { return false }
            state.tasks += tasks
            return true
        }
        if !started { tasks.forEach { $0.cancel() } }
    }

    /// Cancels the schedule and the running batch (recorded as `cancelled`) and waits for them to end.
    public func stop() async {
        let (tasks, current) = state.withLock { state in
            state.stopped = true
            defer { state.tasks.removeAll() }
            return (state.tasks, state.currentTask)
        }
        for task in tasks { task.cancel() }
        current?.cancel()
        await current?.value
        for task in tasks { await task.value }
    }

    private func scheduleLoop() async {
        // The first run waits for the first discovery round, so it probes what providers serve today.
        await catalog.refresh()
        let clock = ContinuousClock()
        while !Task.isCancelled {
            let began = clock.now
            let (batch, _) = startBatch(trigger: "schedule", parameters: defaultParameters)
            for await _ in batch.listen() {}
            do {
                try await clock.sleep(until: began + config.interval)
            } catch {
                return
            }
        }
    }

    // MARK: Batches

    /// Starts a batch, or joins the one running (then `joined` is true and its parameters are the
    /// running batch's, not `parameters`).
    public func startBatch(trigger: String, parameters: BatchParameters) -> (batch: ProbeBatch, joined: Bool) {
        enum Decision { case join(ProbeBatch), stopped, start }
        let batch = ProbeBatch()
        let targets = parameters.filter.targets(in: catalog.catalog)
        let decision = state.withLock { state -> Decision in
            if let current = state.current, !current.isFinished { return .join(current) }
            guard !state.stopped else { return .stopped }
            state.current = batch
            // Created under the lock so that `stop()` always sees the task it must cancel.
            state.currentTask = Task { [self] in
                await self.execute(batch, trigger: trigger, targets: targets, parameters: parameters)
            }
            return .start
        }
        switch decision {
        case .join(let running):
            return (running, true)
        case .stopped:
            // Shutting down: an empty, cancelled batch, so listeners end at once.
            batch.send(
                .done(
                    ProbeBatchSummary(runID: 0, summary: [:], duration: .zero, outcome: "cancelled", finishedAt: Date())
                ))
            return (batch, false)
        case .start:
            return (batch, false)
        }
    }

    private func execute(
        _ batch: ProbeBatch, trigger: String, targets: [ProbeTarget], parameters: BatchParameters
    ) async {
        let clock = ContinuousClock()
        let began = clock.now
        let startedAt = Date()
        let runID = await recorder.runStarted(
            trigger: trigger, startedAt: startedAt, parameters: parameters, total: targets.count)
        batch.send(
            .start(
                ProbeBatchInfo(
                    runID: runID, trigger: trigger, total: targets.count, workers: parameters.workers,
                    delay: parameters.delay, timeout: parameters.timeout, startedAt: startedAt)))
        let counts = Mutex<[String: Int]>([:])
        await BatchExecutor.run(
            targets, parameters: parameters, probe: { [runner] in await runner.probe($0, timeout: $1) },
            onResult: { [self] result in
                self.accept(result, runID: runID)
                counts.withLock { $0[result.status.rawValue, default: 0] += 1 }
                batch.send(.result(result))
            })
        let summary = await finish(
            runID: runID, trigger: trigger, counts: counts.withLock { $0 }, duration: began.duration(to: clock.now))
        logger.info(
            "probe run finished",
            metadata: [
                "run_id": "\(runID)", "trigger": "\(trigger)", "outcome": "\(summary.outcome)",
                "results": "\(summary.summary)", "duration": "\(summary.duration.formattedShort)",
            ])
        batch.send(.done(summary))
        state.withLock { state in
            if state.current === batch { state.currentTask = nil }
        }
    }

    /// Ends a run: its summary (`cancelled` when the calling task was), written down and observed.
    private func finish(runID: Int64, trigger: String, counts: [String: Int], duration: Duration) async
        -> ProbeBatchSummary
    {
        let summary = ProbeBatchSummary(
            runID: runID, summary: counts, duration: duration,
            outcome: Task.isCancelled ? "cancelled" : "finished", finishedAt: Date())
        // Not inheriting this task's cancellation: a cancelled run is still written down as cancelled.
        await Task { [recorder] in await recorder.runFinished(summary) }.value
        observer?.runFinished(trigger, summary)
        return summary
    }

    /// A result's effects: the deployment's health, the time series, the observer.
    private func accept(_ result: ProbeResult, runID: Int64) {
        registry.record(
            HealthObservation(
                model: result.model, provider: result.provider, status: result.status, latencyMs: result.latencyMs,
                ttftMs: result.ttftMs, error: result.error, source: .probe, at: result.checkedAt))
        recorder.record(result, runID: runID)
        observer?.probed(result)
    }

    // MARK: Single probes

    /// Probes every deployment of one model now (probe switches do not apply: this was asked for), as a
    /// run of its own with trigger `single`. Nil when the catalog has no such model.
    public func probe(model id: String, timeout: Duration) async -> (runID: Int64, results: [ProbeResult])? {
        guard let model = catalog.catalog.model(id: id) else { return nil }
        let targets = model.deployments.map { ProbeFilter.target(model: model.id, deployment: $0) }
        let parameters = BatchParameters(
            workers: max(1, targets.count), delay: .zero, timeout: timeout, filter: ProbeFilter(model: id))
        let clock = ContinuousClock()
        let began = clock.now
        let runID = await recorder.runStarted(
            trigger: "single", startedAt: Date(), parameters: parameters, total: targets.count)
        let collected = Mutex<[ProbeResult]>([])
        await BatchExecutor.run(
            targets, parameters: parameters, probe: { [runner] in await runner.probe($0, timeout: $1) },
            onResult: { [self] result in
                self.accept(result, runID: runID)
                collected.withLock { $0.append(result) }
            })
        let results = collected.withLock { $0 }
        var counts: [String: Int] = [:]
        for result in results { counts[result.status.rawValue, default: 0] += 1 }
        _ = await finish(runID: runID, trigger: "single", counts: counts, duration: began.duration(to: clock.now))
        let order = Dictionary(uniqueKeysWithValues: targets.enumerated().map { ($1.provider, $0) })
        return (runID, results.sorted { (order[$0.provider] ?? 0) < (order[$1.provider] ?? 0) })
    }
}

/// Hears of every probe result and finished run (metrics). Called on probe workers: must not block.
public struct ProbeObserver: Sendable {
    public var probed: @Sendable (ProbeResult) -> Void
    public var runFinished: @Sendable (_ trigger: String, _ summary: ProbeBatchSummary) -> Void

    public init(
        probed: @escaping @Sendable (ProbeResult) -> Void,
        runFinished: @escaping @Sendable (_ trigger: String, _ summary: ProbeBatchSummary) -> Void
    ) {
        self.probed = probed
        self.runFinished = runFinished
    }
}
