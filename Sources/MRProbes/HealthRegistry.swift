import MRCatalog
import Synchronization

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// A deployment's identity: one model at one provider.
public struct DeploymentID: Sendable, Hashable, CustomStringConvertible {
    public var model: String
    public var provider: String

    public init(model: String, provider: String) {
        self.model = model
        self.provider = provider
    }

    public var description: String { "\(model)@\(provider)" }
}

/// The live health of every deployment: probes and real traffic feed it, the catalog views, the router,
/// metrics and notifications read it.
///
/// Reads are answered from memory under a mutex (HTTP threads call `health` per deployment shown); the
/// state machine is a pure value updated under the same lock, and observers are told about state
/// changes after the lock is released.
public final class HealthRegistry: DeploymentHealthSource, Sendable {
    /// Consecutive failed results before an `up` deployment goes `down`.
    public let failureThreshold: Int
    /// Consecutive good results before a `down` deployment is `up` again.
    public let successThreshold: Int

    private struct State {
        var deployments: [DeploymentID: DeploymentSnapshot] = [:]
        var observers: [UUID: AsyncStream<DeploymentStateChange>.Continuation] = [:]
    }

    private let state = Mutex(State())

    public init(failureThreshold: Int = 2, successThreshold: Int = 1) {
        self.failureThreshold = max(1, failureThreshold)
        self.successThreshold = max(1, successThreshold)
    }

    // MARK: Reading

    public func health(modelID: String, providerID: String) -> DeploymentHealth {
        state.withLock { $0.deployments[DeploymentID(model: modelID, provider: providerID)]?.health } ?? .unknown
    }

    /// One deployment's full record; nil when nothing was ever observed.
    public func snapshot(_ id: DeploymentID) -> DeploymentSnapshot? {
        state.withLock { $0.deployments[id] }
    }

    /// Every deployment observed so far.
    public func snapshots() -> [DeploymentID: DeploymentSnapshot] {
        state.withLock { $0.deployments }
    }

    // MARK: Learning

    /// Feeds one outcome. Returns the state change it caused, if any (observers hear of it too).
    @discardableResult
    public func record(_ observation: HealthObservation) -> DeploymentStateChange? {
        let id = DeploymentID(model: observation.model, provider: observation.provider)
        let (change, observers) = state.withLock {
            state -> (DeploymentStateChange?, [AsyncStream<DeploymentStateChange>.Continuation]) in
            var entry =
                state.deployments[id]
                ?? DeploymentSnapshot(
                    model: id.model, provider: id.provider, machine: DeploymentStateMachine(), status: .unknown)
            let before = entry.machine.state
            let changed = entry.machine.observe(
                observation.status, failureThreshold: failureThreshold, successThreshold: successThreshold)
            if observation.source == .probe {
                entry.status = observation.status
                entry.latencyMs = observation.latencyMs
                entry.ttftMs = observation.ttftMs
                entry.lastChecked = observation.at
            }
            if !observation.status.isAvailable, let error = observation.error {
                entry.lastError = error
                entry.lastErrorAt = observation.at
            }
            state.deployments[id] = entry
            guard let changed else { return (nil, []) }
            let change = DeploymentStateChange(
                model: id.model, provider: id.provider, from: before, to: changed, status: observation.status,
                error: observation.error, source: observation.source, at: observation.at)
            return (change, Array(state.observers.values))
        }
        if let change {
            for observer in observers { observer.yield(change) }
        }
        return change
    }

    /// Puts back what the store remembers (at start-up), without telling observers: these are not changes.
    public func restore(_ snapshots: [DeploymentSnapshot]) {
        state.withLock { state in
            for snapshot in snapshots {
                state.deployments[DeploymentID(model: snapshot.model, provider: snapshot.provider)] = snapshot
            }
        }
    }

    /// Every state change from now on, in order. The stream buffers up to `bufferLimit` changes for a slow
    /// consumer (then drops the oldest), and ends when the consumer stops iterating.
    public func changes(bufferLimit: Int = 10_000) -> AsyncStream<DeploymentStateChange> {
        let (stream, continuation) = AsyncStream.makeStream(
            of: DeploymentStateChange.self, bufferingPolicy: .bufferingNewest(bufferLimit))
        let key = UUID()
        state.withLock { $0.observers[key] = continuation }
        continuation.onTermination = { [weak self] _ in
            _ = self?.state.withLock { $0.observers.removeValue(forKey: key) }
        }
        return stream
    }

    /// Ends every observer's stream (at shutdown).
    public func finishObservers() {
        let observers = state.withLock { state in
            defer { state.observers.removeAll() }
            return Array(state.observers.values)
        }
        for observer in observers { observer.finish() }
    }
}
