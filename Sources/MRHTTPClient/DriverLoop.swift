internal import CCurl
import Logging
import MRCommon

/// The driver thread's own state and loop: the multi handle's transfers, the pool of idle easy handles, and the
/// first-byte and idle timers. Created on and used by the driver thread only.
final class DriverLoop {
    private struct Active {
        let transfer: Transfer
        let easy: EasyHandle
        /// The `passRetained` reference that `CURLOPT_PRIVATE` and the callbacks point at.
        let context: Unmanaged<Transfer>
        let startedAt: ContinuousClock.Instant
    }

    /// The longest the loop sleeps in `curl_multi_poll` without a timer or a wake-up due.
    private static let maxPollMilliseconds = 1000

    private let driver: Driver
    private let multi: UnsafeMutableRawPointer
    private var active: [ObjectIdentifier: Active] = [:]
    private var idleHandles: [EasyHandle] = []
    /// Attached event sources and the descriptors `curl_multi_poll` waits on for them, index for index.
    private var sources: [any EventLoopSource] = []
    private var sourceDescriptors: [curl_waitfd] = []
    /// Whether the previous turn polled the descriptors (a turn with jobs waiting may skip it).
    private var polledLastTurn = true
    /// A run of the sources was requested since they last ran.
    private var sourcesDue = false

    init(driver: Driver) {
        self.driver = driver
        self.multi = driver.multi.raw
    }

    func run() {
        while true {
            // Jobs may queue more commands (a handler task submitting its transfer): drain until the queue is
            // empty, a few rounds at most, so curl and the sources are never starved.
            for _ in 0..<4 {
                let (commands, shuttingDown) = driver.drain()
                if commands.isEmpty && !shuttingDown { break }
                for command in commands { handle(command, shuttingDown: shuttingDown) }
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
            var running: Int32 = 0
            _ = curl_multi_perform(multi, &running)
            readCompletions()
            var timeout = checkTimers()
            for source in sources {
                if let due = source.timeout() { timeout = min(timeout, max(0, due.roundedUpMilliseconds)) }
            }
            // Completions may have resumed tasks that prefer this loop: then there is no sleeping, and the jobs
            // go first; the descriptors are still polled at least every other turn, so none is starved.
            let mayWait = driver.prepareToSleep()
            if !mayWait && polledLastTurn {
                polledLastTurn = false
                continue
            }
            polledLastTurn = true
            for index in sourceDescriptors.indices { sourceDescriptors[index].revents = 0 }
            _ = sourceDescriptors.withUnsafeMutableBufferPointer { descriptors in
                curl_multi_poll(
                    multi, descriptors.baseAddress, UInt32(descriptors.count), Int32(mayWait ? timeout : 0), nil)
            }
            if mayWait { driver.awoke() }
            runReadySources()
        }
    }

    /// Runs each source whose descriptor became readable or whose timeout passed while the loop waited.
    private func runReadySources() {
        for (index, source) in sources.enumerated() {
            let due = source.timeout().map { $0 <= .zero } ?? false
            if sourceDescriptors[index].revents != 0 || due { source.run() }
        }
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
            sources.append(source)
            sourceDescriptors.append(curl_waitfd(fd: source.descriptor, events: Int16(CURL_WAIT_POLLIN), revents: 0))
        case .detach(let source, let continuation):
            if let index = sources.firstIndex(where: { $0 === source }) {
                sources.remove(at: index)
                sourceDescriptors.remove(at: index)
            }
            continuation.resume()
        case .resume(let transfer):
            guard let entry = active[ObjectIdentifier(transfer)], transfer.willResume() else { return }
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
        let code = curl_multi_add_handle(multi, easy.raw)
        guard code == CURLM_OK else {
            context.release()
            recycle(easy)
            let message = String(cString: curl_multi_strerror(code))
            transfer.finished(.failure(.transport.with(message: message, curlCode: Int(code.rawValue))))
            return
        }
        active[ObjectIdentifier(transfer)] = Active(transfer: transfer, easy: easy, context: context, startedAt: now)
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

    /// Aborts transfers past their first-byte or idle limit; returns how long the loop may sleep, in ms.
    private func checkTimers() -> Int {
        let now = ContinuousClock.now
        var next: ContinuousClock.Instant?
        for entry in active.values {
            let (expired, deadline) = entry.transfer.checkDeadlines(at: now)
            if let expired {
                finish(entry, with: .failure(expired))
            } else if let deadline {
                next = min(next ?? deadline, deadline)
            }
        }
        guard let next else { return Self.maxPollMilliseconds }
        return min(Self.maxPollMilliseconds, max(0, (next - now).roundedUpMilliseconds))
    }

    private func finish(_ entry: Active, with result: Result<Void, HTTPClientError>) {
        active.removeValue(forKey: ObjectIdentifier(entry.transfer))
        detach(entry)
        entry.transfer.finished(result)
    }

    /// Takes the handle out of the multi (closing its connection if the transfer was cut short) and drops the
    /// reference curl held, exactly once per transfer.
    private func detach(_ entry: Active) {
        curl_multi_remove_handle(multi, entry.easy.raw)
        entry.context.release()
        recycle(entry.easy)
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
        sourceDescriptors.removeAll()
    }
}

@available(*, unavailable) extension DriverLoop: Sendable {}
