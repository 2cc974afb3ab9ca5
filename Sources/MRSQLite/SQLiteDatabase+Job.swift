import Synchronization

/// The life of one `read` or `write` call, so that cancellation interrupts this job's SQL and nobody
/// else's: `sqlite3_interrupt` is only called while the job runs, under the same lock that ends it.
final class Job: Sendable {
    private enum Phase {
        case pending, running, cancelled, finished
    }

    private let phase = Mutex(Phase.pending)
    private let interruptor: Interruptor

    init(_ interruptor: Interruptor) {
        self.interruptor = interruptor
    }

    /// Marks the job running; false when it was cancelled before it could start.
    func start() -> Bool {
        phase.withLock { phase in
            guard phase == .pending else { return false }
            interruptor.clearCancellation()
            phase = .running
            return true
        }
    }

    /// Marks the job over; from now on a cancellation no longer reaches the connection.
    func finish() {
        phase.withLock { phase in
            phase = .finished
            interruptor.clearCancellation()
        }
    }

    func cancel() {
        phase.withLock { phase in
            switch phase {
            case .pending: phase = .cancelled
            case .running: interruptor.cancel()
            case .cancelled, .finished: break
            }
        }
    }
}

/// Hands a non-escaping closure to the queue for exactly one call. `take()` is called once, on the queue,
/// before the continuation resumes, so the closure never outlives `withoutActuallyEscaping`.
final class BodyCarrier<T>: Sendable {
    private let body: Mutex<(@Sendable (SQLiteConnection) throws -> T)?>

    init(_ body: @escaping @Sendable (SQLiteConnection) throws -> T) {
        self.body = Mutex(body)
    }

    func take() -> @Sendable (SQLiteConnection) throws -> T {
        body.withLock { body in
            defer { body = nil }
            return body!
        }
    }
}
