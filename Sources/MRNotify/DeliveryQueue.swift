import Synchronization

/// A bounded first-in, first-out queue between the producer (state changes, which must never wait) and one
/// webhook's worker.
///
/// `push` never blocks: when the queue is full it drops the oldest element and says so. `next` suspends the
/// single consumer until an element arrives, the queue is closed, or the consumer's task is cancelled.
final class DeliveryQueue<Element: Sendable>: Sendable {
    /// What ``push(_:)`` did.
    enum PushResult: Equatable {
        case queued
        /// Queued, after dropping the oldest element; `dropped` counts every drop so far.
        case droppedOldest(dropped: Int)
        /// The queue is closed; the element was not taken.
        case closed
    }

    private struct State {
        var ring: [Element?]
        var head = 0
        var count = 0
        var dropped = 0
        var closed = false
        var waiter: CheckedContinuation<Element?, Never>?
        /// Set when the consumer's task is cancelled, so a `next` racing the cancellation returns at once.
        var consumerCancelled = false

        mutating func popFirst() -> Element? {
            guard count > 0 else { return nil }
            let element = ring[head]
            ring[head] = nil
            head = (head + 1) % ring.count
            count -= 1
            return element
        }
    }

    let capacity: Int
    private let state: Mutex<State>

    init(capacity: Int) {
        self.capacity = max(1, capacity)
        state = Mutex(State(ring: Array(repeating: nil, count: max(1, capacity))))
    }

    /// Elements waiting.
    var count: Int { state.withLock { $0.count } }
    /// Elements dropped because the queue was full.
    var dropped: Int { state.withLock { $0.dropped } }

    /// Adds `element` without ever waiting.
    @discardableResult
    func push(_ element: Element) -> PushResult {
        let (result, waiter) = state.withLock { state -> (PushResult, CheckedContinuation<Element?, Never>?) in
            if state.closed { return (.closed, nil) }
            if let waiter = state.waiter {
                // The consumer is waiting, so the queue is empty: hand the element over directly.
                state.waiter = nil
                return (.queued, waiter)
            }
            var result = PushResult.queued
            if state.count == state.ring.count {
                _ = state.popFirst()
                state.dropped += 1
                result = .droppedOldest(dropped: state.dropped)
            }
            state.ring[(state.head + state.count) % state.ring.count] = element
            state.count += 1
            return (result, nil)
        }
        waiter?.resume(returning: element)
        return result
    }

    /// The oldest element; waits while the queue is empty. nil once the queue is closed and empty, or when the
    /// calling task is cancelled. One consumer only.
    func next() async -> Element? {
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Element?, Never>) in
                let ready = state.withLock { state -> Element?? in
                    if let element = state.popFirst() { return .some(element) }
                    if state.closed || state.consumerCancelled { return .some(nil) }
                    state.waiter = continuation
                    return .none
                }
                if let ready { continuation.resume(returning: ready) }
            }
        } onCancel: {
            let waiter = state.withLock { state in
                state.consumerCancelled = true
                defer { state.waiter = nil }
                return state.waiter
            }
            waiter?.resume(returning: nil)
        }
    }

    /// Takes no more elements; the consumer still gets those queued, then nil.
    func close() {
        let waiter = state.withLock { state in
            state.closed = true
            defer { state.waiter = nil }
            return state.waiter
        }
        waiter?.resume(returning: nil)
    }
}
