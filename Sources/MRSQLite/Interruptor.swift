internal import CSQLite
import Synchronization

/// The thread-safe part of a connection: lets another thread cancel the work running on it.
///
/// `sqlite3_interrupt` is documented as safe to call from any thread while the connection is open. The handle
/// sits behind a lock so that `close()` and `interrupt()` can never overlap, and the `isCancelled` flag makes
/// a cancellation stick even when it lands between two statements (SQLite clears its own interrupt flag when
/// the next statement starts with none active).
final class Interruptor: Sendable {
    /// Only read or written under this lock.
    private let handle: Mutex<UnsafeSendableHandle?>
    private let cancelled = Atomic<Bool>(false)

    init(_ db: OpaquePointer) {
        handle = Mutex(UnsafeSendableHandle(pointer: db))
    }

    /// Whether the current job was cancelled; statements refuse to start while it is set.
    var isCancelled: Bool { cancelled.load(ordering: .acquiring) }

    /// Stops the statements running on the connection now (they fail with `SQLITE_INTERRUPT`).
    func interrupt() {
        handle.withLock { handle in
            if let handle { sqlite3_interrupt(handle.pointer) }
        }
    }

    /// Interrupts and keeps the connection refusing new statements until `clearCancellation()`.
    func cancel() {
        cancelled.store(true, ordering: .releasing)
        interrupt()
    }

    func clearCancellation() {
        cancelled.store(false, ordering: .releasing)
    }

    /// Forgets the handle before it is closed, so that a late `interrupt()` cannot touch freed memory.
    func detach() {
        handle.withLock { $0 = nil }
    }
}

/// A connection handle handed to `Interruptor`'s lock. `@unchecked Sendable` is safe because it is only used
/// under that lock, for `sqlite3_interrupt`, which SQLite allows from any thread while the connection is open.
struct UnsafeSendableHandle: @unchecked Sendable {
    let pointer: OpaquePointer
}
