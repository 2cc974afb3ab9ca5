/// A thread that waits on file descriptors and runs work between the waits: the HTTP client's driver thread
/// is one, and the HTTP server can attach its daemon to it. A request that is received, proxied upstream and
/// answered on one loop never changes threads (a hand-off costs tens of µs on a busy machine, more than
/// everything else a proxy hop does).
///
/// As a `TaskExecutor` it runs the jobs of tasks that prefer it (`Task(executorPreference:)`) between its
/// waits. Such tasks must not block or compute for long: everything else on the loop waits meanwhile.
public protocol EventLoop: TaskExecutor {
    /// Starts watching `source`: its `run()` is called on the loop's thread whenever its descriptor is
    /// readable or its `timeout()` has passed. Callable from any thread.
    func attach(_ source: any EventLoopSource)

    /// Asks the loop to run its sources on its next turn, from any thread (the loop's own included): for work
    /// their descriptors do not announce (libmicrohttpd's resumed connections).
    func requestRun()

    /// Stops watching `source`; once this returns, the loop never calls its `run()` again.
    func detach(_ source: any EventLoopSource) async

    /// Whether the caller is running on the loop's thread.
    var isCurrent: Bool { get }
}

/// Something an ``EventLoop`` drives: a descriptor to wait on and the work to do when it is ready.
public protocol EventLoopSource: AnyObject, Sendable {
    /// Waited on for readability.
    var descriptor: Int32 { get }

    /// How long the loop may wait before calling ``run()`` even if the descriptor stays quiet; nil for no limit.
    /// Called on the loop's thread.
    func timeout() -> Duration?

    /// Does whatever is ready, without blocking. Called on the loop's thread.
    func run()
}
