import Logging
import Synchronization

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The command queue between Swift tasks and the driver thread, and the thread itself.
///
/// Tasks append commands under a lock and wake the thread with `curl_multi_wakeup`; the thread drains the queue
/// at the top of every loop iteration, so every curl call on the multi handle happens on that one thread.
final class Driver: Sendable {
    enum Command {
        case add(Transfer)
        case abort(Transfer)
        case resume(Transfer)
    }

    private struct Queue {
        var commands: [Command] = []
        var shuttingDown = false
    }

    let configuration: HTTPClient.Configuration
    let logger: Logger
    let multi: MultiHandle
    private let queue = Mutex(Queue())
    private let thread = Mutex<ThreadHandle?>(nil)

    init(configuration: HTTPClient.Configuration, logger: Logger) {
        self.configuration = configuration
        self.logger = logger
        self.multi = MultiHandle(configuration: configuration)
        let handle = ThreadHandle.start { [self] in DriverLoop(driver: self).run() }
        thread.withLock { $0 = handle }
    }

    /// Hands a transfer to the driver; false once the client is shutting down.
    func submit(_ transfer: Transfer) -> Bool { enqueue(.add(transfer)) }

    /// Asks the driver to tear down a transfer that already has its outcome.
    func requestAbort(_ transfer: Transfer) { _ = enqueue(.abort(transfer)) }

    /// Asks the driver to un-pause a transfer whose consumer caught up (`curl_easy_pause` belongs on its thread).
    func requestResume(_ transfer: Transfer) { _ = enqueue(.resume(transfer)) }

    private func enqueue(_ command: Command) -> Bool {
        let accepted = queue.withLock { queue in
            guard !queue.shuttingDown else { return false }
            queue.commands.append(command)
            return true
        }
        guard accepted else { return false }
        // A wake-up that finds the queue empty (already drained) only costs one extra loop turn.
        multi.wakeup()
        return true
    }

    /// Everything queued so far, and whether the client is shutting down. Driver thread only.
    func drain() -> (commands: [Command], shuttingDown: Bool) {
        queue.withLock { queue in
            defer { queue.commands.removeAll() }
            return (queue.commands, queue.shuttingDown)
        }
    }

    /// Stops accepting work, makes the driver abort every transfer with `.shutdown`, and joins the thread.
    func shutdown() {
        queue.withLock { $0.shuttingDown = true }
        multi.wakeup()
        let handle = thread.withLock { handle in
            defer { handle = nil }
            return handle
        }
        handle?.join()
    }
}

/// A joinable POSIX thread running a closure.
///
/// `@unchecked Sendable`: `pthread_t` is an opaque id (a pointer on Darwin); it is only compared and joined once.
struct ThreadHandle: @unchecked Sendable {
    private let id: pthread_t

    static func start(_ body: @escaping @Sendable () -> Void) -> ThreadHandle {
        final class Box: Sendable {
            let body: @Sendable () -> Void
            init(_ body: @escaping @Sendable () -> Void) { self.body = body }
        }
        let context = Unmanaged.passRetained(Box(body)).toOpaque()
        #if canImport(Glibc)
            var id = pthread_t()
        #else
            var id: pthread_t? = nil
        #endif
        let result = pthread_create(
            &id, nil,
            { context in
                #if canImport(Glibc)
                    let box = Unmanaged<Box>.fromOpaque(context!).takeRetainedValue()
                #else
                    let box = Unmanaged<Box>.fromOpaque(context).takeRetainedValue()
                #endif
                box.body()
                return nil
            }, context)
        precondition(result == 0, "pthread_create failed: \(result)")
        #if canImport(Glibc)
            return ThreadHandle(id: id)
        #else
            return ThreadHandle(id: id!)
        #endif
    }

    /// Waits for the thread to end; a no-op when called from the thread itself.
    func join() {
        guard pthread_equal(id, pthread_self()) == 0 else { return }
        pthread_join(id, nil)
    }
}
