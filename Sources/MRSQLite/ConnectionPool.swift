import Dispatch
import Synchronization

/// A fixed set of connections handed out one holder at a time, with FIFO waiting (async or blocking).
///
/// `SQLiteDatabase` keeps one pool of one writer and one pool of readers. Whoever checked a connection out
/// is its only user until `checkin`, which is what makes moving a non-Sendable connection between threads
/// safe.
final class ConnectionPool: Sendable {
    private enum Waiter {
        case async(id: UInt64, CheckedContinuation<Int, any Error>)
        case blocking(BlockingWaiter)
    }

    private struct State {
        var idle: [Int]
        var waiters: [Waiter] = []
        var nextWaiterID: UInt64 = 0
        var isClosed = false
    }

    private let connections: [ConnectionBox]
    private let state: Mutex<State>

    init(_ connections: [SQLiteConnection]) {
        self.connections = connections.map(ConnectionBox.init)
        self.state = Mutex(State(idle: Array(connections.indices.reversed())))
    }

    var count: Int { connections.count }

    func connection(_ lease: Int) -> SQLiteConnection { connections[lease].connection }

    /// Waits (suspending, not blocking) for a free connection. Cancellation while waiting throws
    /// `SQLiteError.interrupted`; a closed pool throws `SQLiteError.closed`.
    func checkout() async throws -> Int {
        let id = state.withLock { state in
            state.nextWaiterID += 1
            return state.nextWaiterID
        }
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Int, any Error>) in
                let immediate: Result<Int, SQLiteError>? = state.withLock { state in
                    if state.isClosed { return .failure(.closed) }
                    if let lease = state.idle.popLast() { return .success(lease) }
                    // Checked under the lock: if the cancellation handler already ran, it found nothing to
                    // remove, and this sees the flag it set.
                    if Task.isCancelled { return .failure(.interrupted()) }
                    state.waiters.append(.async(id: id, continuation))
                    return nil
                }
                if let immediate { continuation.resume(with: immediate) }
            }
        } onCancel: {
            let continuation = state.withLock { state -> CheckedContinuation<Int, any Error>? in
                guard
                    let index = state.waiters.firstIndex(where: {
                        if case .async(let waiterID, _) = $0 { waiterID == id } else { false }
                    }),
                    case .async(_, let continuation) = state.waiters.remove(at: index)
                else { return nil }
                return continuation
            }
            continuation?.resume(throwing: SQLiteError.interrupted())
        }
    }

    /// Blocks the calling thread until a connection is free. `ignoringClose` is for `close()` itself.
    func checkoutBlocking(ignoringClose: Bool = false) throws(SQLiteError) -> Int {
        let waiter = BlockingWaiter()
        let immediate: Result<Int, SQLiteError>? = state.withLock { state in
            if state.isClosed && !ignoringClose { return .failure(.closed) }
            if let lease = state.idle.popLast() { return .success(lease) }
            state.waiters.append(.blocking(waiter))
            return nil
        }
        if let immediate { return try immediate.get() }
        waiter.semaphore.wait()
        return try waiter.result!.get()
    }

    /// Returns a connection, handing it straight to the longest waiter if there is one.
    func checkin(_ lease: Int) {
        let waiter = state.withLock { state -> Waiter? in
            if state.waiters.isEmpty {
                state.idle.append(lease)
                return nil
            }
            return state.waiters.removeFirst()
        }
        switch waiter {
        case nil: break
        case .async(_, let continuation): continuation.resume(returning: lease)
        case .blocking(let waiter): waiter.resume(with: .success(lease))
        }
    }

    /// Refuses new checkouts, fails the current waiters, waits for every connection to come back, runs
    /// `finalize` on each and closes it. Only the first call does anything.
    func close(finalize: (SQLiteConnection) -> Void = { _ in }) {
        let waiters = state.withLock { state -> [Waiter]? in
            if state.isClosed { return nil }
            state.isClosed = true
            defer { state.waiters = [] }
            return state.waiters
        }
        guard let waiters else { return }
        for waiter in waiters {
            switch waiter {
            case .async(_, let continuation): continuation.resume(throwing: SQLiteError.closed)
            case .blocking(let waiter): waiter.resume(with: .failure(.closed))
            }
        }
        for _ in connections.indices {
            // Cannot fail: the pool ignores its own closing here, and in-flight holders always check in.
            guard let lease = try? checkoutBlocking(ignoringClose: true) else { continue }
            finalize(connections[lease].connection)
            connections[lease].connection.close()
        }
    }
}

/// A thread blocked in `checkoutBlocking`. `result` is written once, before the semaphore is signalled, and
/// read after `wait()` returns; the semaphore orders the two, which is why `@unchecked Sendable` is safe.
private final class BlockingWaiter: @unchecked Sendable {
    let semaphore = DispatchSemaphore(value: 0)
    var result: Result<Int, SQLiteError>?

    func resume(with result: Result<Int, SQLiteError>) {
        self.result = result
        semaphore.signal()
    }
}

/// Carries a connection between threads. Safe as `@unchecked Sendable` because the pool hands each
/// connection to one holder at a time, and only that holder touches it.
private final class ConnectionBox: @unchecked Sendable {
    let connection: SQLiteConnection
    init(_ connection: SQLiteConnection) { self.connection = connection }
}
