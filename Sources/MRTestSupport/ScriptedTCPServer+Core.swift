import Synchronization

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

extension ScriptedTCPServer {
    /// The state shared by the accept thread, the connection threads and awaiting tests. Lives as long as any
    /// of them holds it; the stop pipe is closed only then, so no thread ever polls a recycled descriptor.
    final class Core: Sendable {
        fileprivate enum WaiterSlot {
            case reserved
            case waiting(condition: @Sendable (Snapshot) -> Bool, continuation: CheckedContinuation<Bool, Never>)
            case expired
        }

        struct State {
            var snapshot = Snapshot()
            var openFDs: [Int: Int32] = [:]
            var stopping = false
            var acceptThread: POSIXThread?
            fileprivate var waiters: [Int: WaiterSlot] = [:]
            var nextID = 0
            var subscribers: [Int: AsyncStream<Event>.Continuation] = [:]
        }

        let listenFD: Int32
        let stopReadFD: Int32
        private let stopWriteFD: Int32
        let state = Mutex(State())

        init(listenFD: Int32, stopReadFD: Int32, stopWriteFD: Int32) {
            self.listenFD = listenFD
            self.stopReadFD = stopReadFD
            self.stopWriteFD = stopWriteFD
        }

        deinit {
            close(stopReadFD)
            close(stopWriteFD)
        }

        var isStopping: Bool { state.withLock { $0.stopping } }

        // MARK: Threads

        func acceptLoop(script: @escaping @Sendable (ScriptedConnection) throws -> Void) {
            while true {
                guard let readable = POSIXSocket.waitReadable(listenFD, orStop: stopReadFD) else {
                    if isStopping { return }
                    continue
                }
                guard readable else { return }
                let fd = accept(listenFD, nil, nil)
                guard fd >= 0 else {
                    if isStopping { return }
                    continue
                }
                let id: Int? = mutate { state in
                    guard !state.stopping else { return nil }
                    let id = state.snapshot.acceptedConnections
                    state.snapshot.acceptedConnections += 1
                    state.openFDs[id] = fd
                    Self.record(.accepted(connection: id), in: &state)
                    return id
                }
                guard let id else {
                    close(fd)
                    return
                }
                POSIXThread.start { [self] in runConnection(id: id, fd: fd, script: script) }.detach()
            }
        }

        private func runConnection(id: Int, fd: Int32, script: @Sendable (ScriptedConnection) throws -> Void) {
            let connection = ScriptedConnection(id: id, fd: fd, core: self)
            do {
                try script(connection)
            } catch let error as ScriptedTCPServerError where error == .peerClosed || error == .stopped {
                // The client left or the test ended: an expected way for a script to end.
            } catch {
                mutate { Self.record(.scriptFailed(connection: id, message: "\(error)"), in: &$0) }
            }
            closeConnection(id: id, reset: false)
        }

        // MARK: Recording

        func recordRequest(_ request: ScriptedRequest) {
            mutate { state in
                state.snapshot.requests.append(request)
                Self.record(
                    .request(connection: request.connectionID, index: state.snapshot.requests.count - 1), in: &state)
            }
        }

        func recordPeerClosed(id: Int) {
            mutate { state in
                guard !state.stopping, state.snapshot.peerClosedConnections.insert(id).inserted else { return }
                Self.record(.peerClosed(connection: id), in: &state)
            }
        }

        /// Closes the connection's socket once (a reset when asked); under the lock so `stop()` never shuts down
        /// a descriptor number that was already closed and reused.
        func closeConnection(id: Int, reset: Bool) {
            mutate { state in
                guard let fd = state.openFDs.removeValue(forKey: id) else { return }
                if reset { POSIXSocket.setLingerZero(fd) }
                close(fd)
                state.snapshot.closedConnections += 1
                Self.record(.closed(connection: id), in: &state)
            }
        }

        private static func record(_ event: Event, in state: inout State) {
            state.snapshot.events.append(event)
            for subscriber in state.subscribers.values { subscriber.yield(event) }
        }

        /// Applies `body` under the lock, then resumes (outside it) every waiter whose condition now holds.
        @discardableResult
        private func mutate<T>(_ body: (inout State) -> T) -> T {
            var satisfied: [CheckedContinuation<Bool, Never>] = []
            let result = state.withLock { state in
                let result = body(&state)
                for (id, slot) in state.waiters {
                    if case .waiting(let condition, let continuation) = slot, condition(state.snapshot) {
                        state.waiters[id] = nil
                        satisfied.append(continuation)
                    }
                }
                return result
            }
            for continuation in satisfied { continuation.resume(returning: true) }
            return result
        }

        // MARK: Stopping, waiting, subscribing

        func stop() {
            let taken: (thread: POSIXThread?, subscribers: [AsyncStream<Event>.Continuation])? = state.withLock {
                state in
                guard !state.stopping else { return nil }
                state.stopping = true
                // Wakes scripts blocked in recv or send; they then close their descriptors themselves.
                for fd in state.openFDs.values { shutdown(fd, Int32(SHUT_RDWR)) }
                defer {
                    state.acceptThread = nil
                    state.subscribers.removeAll()
                }
                return (state.acceptThread, Array(state.subscribers.values))
            }
            guard let (acceptThread, subscribers) = taken else { return }
            // Outside the lock: finishing runs the streams' onTermination, which takes the lock.
            for subscriber in subscribers { subscriber.finish() }
            // The stop pipe stays readable from now on: every poll on it returns at once.
            var byte: UInt8 = 1
            _ = write(stopWriteFD, &byte, 1)
            acceptThread?.join()
            close(listenFD)
        }

        func wait(for condition: @escaping @Sendable (Snapshot) -> Bool, timeout: Duration) async -> Bool {
            let id = state.withLock { state in
                state.nextID += 1
                state.waiters[state.nextID] = .reserved
                return state.nextID
            }
            let timer = Task { [self] in
                try? await Task.sleep(for: timeout)
                expire(id)
            }
            defer { timer.cancel() }
            return await withTaskCancellationHandler {
                await withCheckedContinuation { (continuation: CheckedContinuation<Bool, Never>) in
                    let immediate: Bool? = state.withLock { state in
                        guard case .reserved = state.waiters[id] else {
                            state.waiters[id] = nil
                            return false
                        }
                        if condition(state.snapshot) {
                            state.waiters[id] = nil
                            return true
                        }
                        state.waiters[id] = .waiting(condition: condition, continuation: continuation)
                        return nil
                    }
                    if let immediate { continuation.resume(returning: immediate) }
                }
            } onCancel: {
                expire(id)
            }
        }

        private func expire(_ id: Int) {
            let continuation: CheckedContinuation<Bool, Never>? = state.withLock { state in
                switch state.waiters[id] {
                case .reserved:
                    state.waiters[id] = .expired
                    return nil
                case .waiting(_, let continuation):
                    state.waiters[id] = nil
                    return continuation
                case .expired, nil:
                    return nil
                }
            }
            continuation?.resume(returning: false)
        }

        func subscribe(_ continuation: AsyncStream<Event>.Continuation) {
            let finished = state.withLock { state in
                for event in state.snapshot.events { continuation.yield(event) }
                guard !state.stopping else { return true }
                state.nextID += 1
                let id = state.nextID
                state.subscribers[id] = continuation
                continuation.onTermination = { [weak self] _ in
                    self?.state.withLock { _ = $0.subscribers.removeValue(forKey: id) }
                }
                return false
            }
            if finished { continuation.finish() }
        }
    }
}
