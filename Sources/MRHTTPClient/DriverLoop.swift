internal import CCurl
import Logging
import MRCommon

#if canImport(Glibc)
    import Glibc
#endif

/// The driver thread's own state and loop: one epoll set, the multi handle driven through
/// `curl_multi_socket_action`, the transfers, the pool of idle easy handles, and the first-byte and idle timers.
/// Created on and used by the driver thread only.
///
/// curl tells the loop which sockets to watch (its socket callback) and when to call it back (its timer
/// callback); the loop waits on all of them, the wake-up eventfd and the attached sources in one `epoll_wait`
/// and hands curl only the sockets that are ready. A turn therefore costs the same whether the loop carries one
/// transfer or thousands of long streams (`curl_multi_perform` walks every transfer and polls each socket).
final class DriverLoop {
    private struct Active {
        let transfer: Transfer
        let easy: EasyHandle
        /// The `passRetained` reference that `CURLOPT_PRIVATE` and the callbacks point at.
        let context: Unmanaged<Transfer>
        let startedAt: ContinuousClock.Instant
    }

    /// The longest the loop sleeps without a timer or a wake-up due.
    private static let maxWait = Duration.seconds(1)
    /// Most events one `epoll_wait` returns; more stay ready for the next turn.
    private static let eventCapacity = 256
    /// Event tags: a curl socket's tag is its descriptor; the wake-up eventfd and the sources are marked above it.
    private static let wakeTag: UInt64 = 1 << 40
    private static let sourceTag: UInt64 = 1 << 41

    private let driver: Driver
    private let multiHandle: MultiHandle
    private let multi: UnsafeMutableRawPointer
    private let epoll: Int32
    private let readyTags: UnsafeMutablePointer<UInt64>
    private let readyEvents: UnsafeMutablePointer<UInt32>
    /// The commands being handled; swapped with the driver's queue on every drain.
    private var batch: [Driver.Command] = []
    private var active: [ObjectIdentifier: Active] = [:]
    private var idleHandles: [EasyHandle] = []
    /// Attached event sources, with the deadline each one's `timeout()` gave before the last wait.
    private var sources: [any EventLoopSource] = []
    private var sourceDeadlines: [ContinuousClock.Instant?] = []
    private var readySources: [Bool] = []
    /// When curl wants `socket_action(CURL_SOCKET_TIMEOUT)`; nil when it has nothing timed.
    private var curlDeadline: ContinuousClock.Instant?
    /// No first-byte, first-event or idle limit of any transfer can expire before this: the timers are checked
    /// then (or when a new transfer or a resume could bring a limit closer), not on every turn.
    private var nextTimerCheck: ContinuousClock.Instant
    /// Whether the previous turn waited on the descriptors (a turn with jobs waiting may skip it).
    private var polledLastTurn = true
    /// A run of the sources was requested since they last ran.
    private var sourcesDue = false

    init(driver: Driver) {
        self.driver = driver
        multiHandle = MultiHandle(configuration: driver.configuration)
        multi = multiHandle.raw
        epoll = epoll_create1(Int32(EPOLL_CLOEXEC))
        // Only a process out of descriptors fails here; the loop cannot run without its epoll set.
        precondition(epoll >= 0, "epoll_create1 failed: errno \(errno)")
        readyTags = .allocate(capacity: Self.eventCapacity)
        readyEvents = .allocate(capacity: Self.eventCapacity)
        nextTimerCheck = .now + Self.maxWait
        _ = mr_epoll_ctl(epoll, EPOLL_CTL_ADD, driver.wakeDescriptor, UInt32(EPOLLIN.rawValue), Self.wakeTag)
        let userData = Unmanaged.passUnretained(self).toOpaque()
        _ = mr_curl_multi_setopt_pointer(multi, CURLMOPT_SOCKETDATA, userData)
        _ = mr_curl_multi_setopt_pointer(multi, CURLMOPT_TIMERDATA, userData)
        _ = mr_curl_multi_setopt_socket_callback(multi) { _, socket, what, userData, socketData in
            Unmanaged<DriverLoop>.fromOpaque(userData!).takeUnretainedValue()
                .watch(socket, what: what, registered: socketData != nil)
            return 0
        }
        _ = mr_curl_multi_setopt_timer_callback(multi) { _, milliseconds, userData in
            Unmanaged<DriverLoop>.fromOpaque(userData!).takeUnretainedValue().curlDeadline =
                milliseconds < 0 ? nil : .now + .milliseconds(milliseconds)
            return 0
        }
        // CURLMOPT_MAXCONNECTS follows the busy transfers from the start.
        updateConnectionCache()
    }

    deinit {
        readyTags.deallocate()
        readyEvents.deallocate()
        close(epoll)
    }

    func run() {
        while true {
            // Jobs may queue more commands (a handler task submitting its transfer): drain until the queue is
            // empty, a few rounds at most, so curl and the sources are never starved.
            for _ in 0..<4 {
                let shuttingDown = driver.drain(into: &batch)
                if batch.isEmpty && !shuttingDown { break }
                for command in batch { handle(command, shuttingDown: shuttingDown) }
                batch.removeAll(keepingCapacity: true)
                if shuttingDown {
                    tearDown()
                    return
                }
            }
            // A server connection was resumed (`requestRun`): let the sources act on it now (libmicrohttpd's own
            // wake-up for a resumed connection never reaches the daemon's epoll descriptor on an external loop).
            if sourcesDue {
                sourcesDue = false
                for source in sources { source.run() }
            }
            var now = ContinuousClock.now
            if let due = curlDeadline, due <= now {
                curlDeadline = nil
                socketAction(CURL_SOCKET_TIMEOUT, events: 0)
            }
            readCompletions()
            if now >= nextTimerCheck { checkTimers(at: now) }
            var wakeAt = min(nextTimerCheck, curlDeadline ?? nextTimerCheck)
            for index in sources.indices {
                let deadline = sources[index].timeout().map { now + $0 }
                sourceDeadlines[index] = deadline
                if let deadline { wakeAt = min(wakeAt, deadline) }
            }
            // Completions may have resumed tasks that prefer this loop: then there is no sleeping, and the jobs
            // go first; the descriptors are still polled at least every other turn, so none is starved.
            let mayWait = driver.prepareToSleep()
            if !mayWait && polledLastTurn {
                polledLastTurn = false
                continue
            }
            polledLastTurn = true
            // Measured from now: this turn's work took time since `now` was read.
            let timeout = mayWait ? Int32(clamping: max(.zero, wakeAt - .now).roundedUpMilliseconds) : 0
            let count = mr_epoll_wait(epoll, readyTags, readyEvents, Int32(Self.eventCapacity), timeout)
            if mayWait { driver.awoke() }
            for index in 0..<max(0, Int(count)) { dispatch(tag: readyTags[index], events: readyEvents[index]) }
            now = .now
            for index in sources.indices {
                let due = sourceDeadlines[index].map { $0 <= now } ?? false
                if readySources[index] || due {
                    readySources[index] = false
                    sources[index].run()
                }
            }
            readCompletions()
        }
    }

    /// One ready descriptor: the wake-up eventfd is reset, a source is marked to run, a curl socket goes to curl.
    private func dispatch(tag: UInt64, events: UInt32) {
        if tag == Self.wakeTag {
            var value: UInt64 = 0
            _ = read(driver.wakeDescriptor, &value, MemoryLayout<UInt64>.size)
        } else if tag & Self.sourceTag != 0 {
            let descriptor = Int32(truncatingIfNeeded: tag & ~Self.sourceTag)
            if let index = sources.firstIndex(where: { $0.descriptor == descriptor }) { readySources[index] = true }
        } else {
            var mask: Int32 = 0
            if events & UInt32(EPOLLIN.rawValue | EPOLLHUP.rawValue) != 0 { mask |= CURL_CSELECT_IN }
            if events & UInt32(EPOLLOUT.rawValue) != 0 { mask |= CURL_CSELECT_OUT }
            if events & UInt32(EPOLLERR.rawValue) != 0 { mask |= CURL_CSELECT_ERR }
            socketAction(Int32(truncatingIfNeeded: tag), events: mask)
        }
    }

    private func socketAction(_ socket: curl_socket_t, events: Int32) {
        var running: Int32 = 0
        _ = curl_multi_socket_action(multi, socket, events, &running)
    }

    /// curl's socket callback: start, change or stop watching one of its sockets.
    private func watch(_ socket: curl_socket_t, what: Int32, registered: Bool) {
        guard what != CURL_POLL_REMOVE else {
            // Fails harmlessly when curl already closed the socket (a closed descriptor leaves the set by itself).
            _ = mr_epoll_ctl(epoll, EPOLL_CTL_DEL, socket, 0, 0)
            return
        }
        var events: UInt32 = 0
        if what & CURL_POLL_IN != 0 { events |= UInt32(EPOLLIN.rawValue) }
        if what & CURL_POLL_OUT != 0 { events |= UInt32(EPOLLOUT.rawValue) }
        let tag = UInt64(UInt32(bitPattern: socket))
        var result = mr_epoll_ctl(epoll, registered ? EPOLL_CTL_MOD : EPOLL_CTL_ADD, socket, events, tag)
        // A descriptor number curl closed and opened again, or one the set still holds: the other operation fits.
        if result == ENOENT {
            result = mr_epoll_ctl(epoll, EPOLL_CTL_ADD, socket, events, tag)
        } else if result == EEXIST {
            result = mr_epoll_ctl(epoll, EPOLL_CTL_MOD, socket, events, tag)
        }
        if result != 0 {
            driver.logger.warning("epoll_ctl failed for a curl socket", metadata: ["errno": "\(result)"])
        }
        // Any non-nil pointer marks the socket as in the set: curl hands it back as `socketData` next time.
        if !registered { curl_multi_assign(multi, socket, UnsafeMutableRawPointer(bitPattern: 1)) }
    }

    // MARK: Commands

    private func handle(_ command: Driver.Command, shuttingDown: Bool) {
        switch command {
        case .add(let transfer):
            if shuttingDown {
                transfer.cancel(.shutdown.with(message: "the HTTP client was shut down"))
            } else {
                add(transfer)
            }
        case .abort(let transfer):
            if let entry = active.removeValue(forKey: ObjectIdentifier(transfer)) { detach(entry) }
        case .job(let job):
            job.runSynchronously(on: driver.asUnownedTaskExecutor())
        case .runSources:
            sourcesDue = true
        case .attach(let source):
            guard !shuttingDown else { return }
            let result = mr_epoll_ctl(
                epoll, EPOLL_CTL_ADD, source.descriptor, UInt32(EPOLLIN.rawValue),
                Self.sourceTag | UInt64(UInt32(bitPattern: source.descriptor)))
            if result != 0 {
                driver.logger.error("could not watch an event source", metadata: ["errno": "\(result)"])
            }
            sources.append(source)
            sourceDeadlines.append(nil)
            readySources.append(true)
        case .detach(let source, let continuation):
            if let index = sources.firstIndex(where: { $0 === source }) {
                _ = mr_epoll_ctl(epoll, EPOLL_CTL_DEL, source.descriptor, 0, 0)
                sources.remove(at: index)
                sourceDeadlines.remove(at: index)
                readySources.remove(at: index)
            }
            continuation.resume()
        case .resume(let transfer):
            guard let entry = active[ObjectIdentifier(transfer)], transfer.willResume() else { return }
            // The idle clock restarted with the resume.
            if let idle = transfer.request.timeouts.idle { nextTimerCheck = min(nextTimerCheck, .now + idle) }
            // May call the write callback right away with the bytes curl held back.
            let code = curl_easy_pause(entry.easy.raw, CURLPAUSE_CONT)
            if code != CURLE_OK {
                finish(
                    entry,
                    with: .failure(.fromCurl(code, message: entry.easy.errorMessage(for: code), reachedTotal: false)))
            }
        }
    }

    private func add(_ transfer: Transfer) {
        // Cancelled while queued: its caller has already been answered.
        guard !transfer.isFinished else { return }
        guard let easy = idleHandles.popLast() ?? EasyHandle() else {
            transfer.finished(.failure(.transport.with(message: "curl_easy_init failed")))
            return
        }
        let context = Unmanaged.passRetained(transfer)
        do {
            try easy.configure(for: transfer.request, context: context.toOpaque(), configuration: driver.configuration)
        } catch {
            context.release()
            recycle(easy)
            transfer.finished(.failure(error))
            return
        }
        let now = ContinuousClock.now
        transfer.started(at: now)
        // curl calls the timer callback from here (due at once), and the next turn starts the transfer.
        let code = curl_multi_add_handle(multi, easy.raw)
        guard code == CURLM_OK else {
            context.release()
            recycle(easy)
            let message = String(cString: curl_multi_strerror(code))
            transfer.finished(.failure(.transport.with(message: message, curlCode: Int(code.rawValue))))
            return
        }
        active[ObjectIdentifier(transfer)] = Active(transfer: transfer, easy: easy, context: context, startedAt: now)
        updateConnectionCache()
        let timeouts = transfer.request.timeouts
        for limit in [timeouts.firstByte, timeouts.firstEvent, timeouts.idle] {
            if let limit { nextTimerCheck = min(nextTimerCheck, now + limit) }
        }
    }

    // MARK: Completion and timers

    private func readCompletions() {
        var remaining: Int32 = 0
        while let message = curl_multi_info_read(multi, &remaining) {
            guard message.pointee.msg == CURLMSG_DONE, let easy = message.pointee.easy_handle,
                let context = EasyHandle.privatePointer(of: easy)
            else { continue }
            let transfer = Unmanaged<Transfer>.fromOpaque(context).takeUnretainedValue()
            guard let entry = active[ObjectIdentifier(transfer)] else { continue }
            let code = message.pointee.data.result
            if code == CURLE_OK {
                finish(entry, with: .success(()))
            } else {
                let error = HTTPClientError.fromCurl(
                    code, message: entry.easy.errorMessage(for: code), reachedTotal: reachedTotalTimeout(entry))
                driver.logger.debug(
                    "HTTP transfer failed", metadata: ["url": "\(entry.transfer.request.url)", "error": "\(error)"])
                finish(entry, with: .failure(error))
            }
        }
    }

    /// curl reports connect and total timeouts with the same code: past the head it can only be the total one;
    /// before, it is the limit closer to the time that actually passed (curl's clock may run a little early).
    private func reachedTotalTimeout(_ entry: Active) -> Bool {
        let timeouts = entry.transfer.request.timeouts
        guard let total = timeouts.total else { return false }
        if entry.transfer.hasHead { return true }
        let elapsed = ContinuousClock.now - entry.startedAt
        func distance(_ limit: Duration) -> Duration { elapsed > limit ? elapsed - limit : limit - elapsed }
        return distance(total) <= distance(timeouts.connect)
    }

    /// Aborts transfers past their first-byte or idle limit and notes when the next limit can expire.
    private func checkTimers(at now: ContinuousClock.Instant) {
        var next = now + Self.maxWait
        for entry in active.values {
            let (expired, deadline) = entry.transfer.checkDeadlines(at: now)
            if let expired {
                finish(entry, with: .failure(expired))
            } else if let deadline {
                next = min(next, deadline)
            }
        }
        nextTimerCheck = next
    }

    private func finish(_ entry: Active, with result: Result<Void, HTTPClientError>) {
        active.removeValue(forKey: ObjectIdentifier(entry.transfer))
        detach(entry)
        entry.transfer.finished(result)
    }

    /// Takes the handle out of the multi (closing its connection if the transfer was cut short) and drops the
    /// reference curl held, exactly once per transfer.
    private func detach(_ entry: Active) {
        // First, so a connection handed back by the removal is judged against the new count.
        updateConnectionCache()
        curl_multi_remove_handle(multi, entry.easy.raw)
        entry.context.release()
        recycle(entry.easy)
    }

    /// Keeps curl's connection cache at the busy connections plus `maxIdleConnections` idle ones. curl counts busy
    /// connections against `CURLMOPT_MAXCONNECTS` too: with a fixed cap below the number of busy transfers, every
    /// connection handed back would be closed at once (no reuse under load) after a walk over all of them.
    /// (A transfer that just completed still counts as busy until its completion is read, so a burst may leave one
    /// idle connection more. The cap stays at least 1: curl reads 0 as "no limit".)
    private func updateConnectionCache() {
        let cap = max(1, active.count + driver.configuration.maxIdleConnections)
        _ = mr_curl_multi_setopt_long(multi, CURLMOPT_MAXCONNECTS, cap)
    }

    private func recycle(_ easy: EasyHandle) {
        easy.reset()
        if idleHandles.count < driver.configuration.maxIdleConnections { idleHandles.append(easy) }
    }

    private func tearDown() {
        let shutdown = HTTPClientError.shutdown.with(message: "the HTTP client was shut down")
        for entry in active.values {
            entry.transfer.cancel(shutdown)
            detach(entry)
        }
        active.removeAll()
        idleHandles.removeAll()
        sources.removeAll()
        sourceDeadlines.removeAll()
        readySources.removeAll()
        // The multi handle outlives this loop only until its deinit: curl must not call back into a loop that is
        // gone (its cleanup closes the cached connections, which reports their sockets).
        _ = mr_curl_multi_setopt_socket_callback(multi, nil)
        _ = mr_curl_multi_setopt_timer_callback(multi, nil)
    }
}

@available(*, unavailable) extension DriverLoop: Sendable {}
