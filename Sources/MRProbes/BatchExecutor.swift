import Synchronization

/// How a batch runs: `workers` probes in parallel, each worker starting its probes at least `delay`
/// apart, each probe bounded by `timeout` (SPEC "Probes and storage").
public struct BatchParameters: Sendable, Hashable {
    public var workers: Int
    public var delay: Duration
    public var timeout: Duration
    public var filter: ProbeFilter

    public init(workers: Int, delay: Duration, timeout: Duration, filter: ProbeFilter = ProbeFilter()) {
        self.workers = workers
        self.delay = delay
        self.timeout = timeout
        self.filter = filter
    }
}

/// Runs a list of probes the way `BatchParameters` say. Scheduled and on-demand batches both come here.
enum BatchExecutor {
    /// Probes every target, calling `onResult` as each finishes (from the worker that ran it). Returns
    /// when all are done or the calling task is cancelled; a probe cut short by cancellation is not
    /// reported.
    static func run(
        _ targets: [ProbeTarget], parameters: BatchParameters,
        probe: @escaping @Sendable (ProbeTarget, Duration) async -> ProbeResult,
        onResult: @escaping @Sendable (ProbeResult) -> Void
    ) async {
        guard !targets.isEmpty else { return }
        let cursor = Cursor(count: targets.count)
        let workers = max(1, min(parameters.workers, targets.count))
        let clock = ContinuousClock()
        await withTaskGroup(of: Void.self) { group in
            for _ in 0..<workers {
                group.addTask {
                    var lastStart: ContinuousClock.Instant?
                    while !Task.isCancelled {
                        guard let index = cursor.next() else { return }
                        if let lastStart, parameters.delay > .zero {
                            do {
                                try await clock.sleep(until: lastStart + parameters.delay)
                            } catch {
                                return
                            }
                        }
                        lastStart = clock.now
                        let result = await probe(targets[index], parameters.timeout)
                        if Task.isCancelled { return }
                        onResult(result)
                    }
                }
            }
        }
    }
}

/// Hands out target indexes to the workers, each once.
private final class Cursor: Sendable {
    private let position = Mutex(0)
    private let count: Int

    init(count: Int) { self.count = count }

    func next() -> Int? {
        position.withLock { value in
            guard value < count else { return nil }
            defer { value += 1 }
            return value
        }
    }
}
