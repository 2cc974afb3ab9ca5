internal import CCurl
import Logging
import MRCommon
import Synchronization

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The command queue between Swift tasks and the driver thread, and the thread itself.
///
/// Tasks append commands under a lock and wake the thread through an eventfd its epoll set watches; the thread
/// drains the queue at the top of every loop iteration, so every curl call on its multi handle happens on that one
/// thread.
///
/// The thread is also an ``EventLoop``: it runs the jobs of tasks that prefer it as their executor, and other
/// sources (the HTTP server's daemon) attached to it, so a request proxied through both needs no thread hand-off.
final class Driver: Sendable {
    enum Command {
        case add(Transfer)
        case abort(Transfer)
        case resume(Transfer)
        /// A job of a task that prefers this loop as its executor.
        case job(UnownedJob)
        case attach(any EventLoopSource)
        /// Run every source on the next turn.
        case runSources
        case detach(any EventLoopSource, CheckedContinuation<Void, Never>)
    }

    private struct Queue {
        var commands: [Command] = []
        var shuttingDown = false
        /// Set by the thread before it sleeps in `epoll_wait`: only then does an enqueue need a wake-up.
        var sleeping = false
    }

    let configuration: HTTPClient.Configuration
    let logger: Logger
    /// The eventfd that wakes the thread: written by any thread, read (reset) by the loop.
    let wakeDescriptor: Int32
    private let queue = Mutex(Queue())
    private let thread = Mutex<ThreadHandle?>(nil)
    /// The driver thread's id, for `isCurrent`.
    private let threadID = Atomic<UInt>(0)

    init(configuration: HTTPClient.Configuration, logger: Logger) {
        self.configuration = configuration
        self.logger = logger
        let descriptor = eventfd(0, Int32(EFD_CLOEXEC | EFD_NONBLOCK))
        // Only a process out of descriptors fails here; nothing sensible can go on without a wake-up channel.
        precondition(descriptor >= 0, "eventfd failed: errno \(errno)")
        self.wakeDescriptor = descriptor
        let handle = ThreadHandle.start { [self] in
            threadID.store(currentThreadID(), ordering: .releasing)
            DriverLoop(driver: self).run()
        }
        thread.withLock { $0 = handle }
    }

    /// Hands a transfer to the driver; false once the client is shutting down.
    func submit(_ transfer: Transfer) -> Bool { enqueue(.add(transfer)) }

    /// Asks the driver to tear down a transfer that already has its outcome.
    func requestAbort(_ transfer: Transfer) { _ = enqueue(.abort(transfer)) }

    /// Asks the driver to un-pause a transfer whose consumer caught up (`curl_easy_pause` belongs on its thread).
    func requestResume(_ transfer: Transfer) { _ = enqueue(.resume(transfer)) }

    private func enqueue(_ command: Command) -> Bool {
        let (accepted, wake) = queue.withLock { queue -> (Bool, Bool) in
            guard !queue.shuttingDown else { return (false, false) }
            queue.commands.append(command)
            // The thread drains the queue before it sleeps again: wake it only when it is asleep. Once woken it is
            // no longer counted as asleep, so a burst of commands costs one wake-up.
            defer { queue.sleeping = false }
            return (true, queue.sleeping)
        }
        if wake { wakeup() }
        return accepted
    }

    /// Interrupts an `epoll_wait` in progress (or makes the next one return at once). Any thread.
    private func wakeup() {
        var one: UInt64 = 1
        _ = write(wakeDescriptor, &one, MemoryLayout<UInt64>.size)
    }

    deinit {
        close(wakeDescriptor)
    }

    /// Swaps everything queued so far into `batch` (which must be empty: its buffer becomes the queue's, so
    /// neither side allocates once both have grown), and tells whether the client is shutting down. Driver thread
    /// only.
    func drain(into batch: inout [Command]) -> Bool {
        queue.withLock { queue in
            swap(&queue.commands, &batch)
            return queue.shuttingDown
        }
    }

    /// Called by the thread before it sleeps: false (do not sleep) when commands arrived meanwhile.
    func prepareToSleep() -> Bool {
        queue.withLock { queue in
            guard queue.commands.isEmpty && !queue.shuttingDown else { return false }
            queue.sleeping = true
            return true
        }
    }

    /// Called by the thread once it is awake again.
    func awoke() {
        queue.withLock { $0.sleeping = false }
    }

    /// Stops accepting work, makes the driver abort every transfer with `.shutdown`, and joins the thread.
    func shutdown() {
        queue.withLock { $0.shuttingDown = true }
        wakeup()
        let handle = thread.withLock { handle in
            defer { handle = nil }
            return handle
        }
        handle?.join()
    }
}

extension Driver: EventLoop {
    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        // After shutdown the thread is gone: the job still has to run somewhere.
        if !enqueue(.job(job)) { globalConcurrentExecutor.enqueue(ExecutorJob(job)) }
    }

    func attach(_ source: any EventLoopSource) {
        _ = enqueue(.attach(source))
    }

    func requestRun() {
        _ = enqueue(.runSources)
    }

    func detach(_ source: any EventLoopSource) async {
        await withCheckedContinuation { continuation in
            // Refused only once the thread is stopping, and then it no longer runs any source.
            if !enqueue(.detach(source, continuation)) { continuation.resume() }
        }
    }

    var isCurrent: Bool { threadID.load(ordering: .acquiring) == currentThreadID() }
}

/// The calling thread's id as a number.
func currentThreadID() -> UInt {
    #if canImport(Glibc)
        UInt(pthread_self())
    #else
        UInt(bitPattern: pthread_self())
    #endif
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
