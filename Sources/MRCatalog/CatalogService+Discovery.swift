import MRCommon
import MRConfig
import MRProviders
import MRStore
import Synchronization

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

extension CatalogService {
    /// Reads every provider's last known listing and discovery record from SQLite and publishes them. A
    /// store failure is logged: the catalog then starts from the configuration alone.
    func loadLastKnown() async {
        let stored: [String: [StoredDiscoveredModel]]
        let records: [ProviderDiscoveryRecord]
        do {
            stored = try await store.discoveredModels()
            records = try await store.providerDiscoveryRecords()
        } catch {
            logger.error("catalog: could not load the last known catalog", metadata: ["error": "\(error.detail)"])
            return
        }
        state.withLock { state in
            for (providerID, models) in stored where state.listings[providerID] == nil {
                state.listings[providerID] = models.map(DiscoveredModel.init(stored:))
            }
            for record in records where state.records[record.providerID] == nil {
                state.records[record.providerID] = record
            }
            state.generation += 1
        }
        publish()
        logger.info(
            "catalog: loaded the last known catalog",
            metadata: ["providers": "\(stored.count)", "models": "\(catalog.count)"])
    }

    /// One round: every discovering provider at once, each result persisted and published as it comes.
    func discoverAll() async {
        let targets = providers.filter(\.discover).compactMap { adapters[$0.id] }
        let timeout = discoveryTimeout
        await withTaskGroup(of: (String, Result<[DiscoveredModel], ProviderError>).self) { group in
            for adapter in targets {
                group.addTask { (adapter.id, await Self.listModels(adapter, timeout: timeout)) }
            }
            for await (providerID, result) in group {
                // Stopping cancels the round: a cancelled listing is not a provider failure.
                if Task.isCancelled { continue }
                await record(providerID, result)
            }
        }
    }

    /// Persists one provider's discovery outcome, and publishes the new catalog when it succeeded (a failure
    /// changes the provider's status, not the catalog).
    func record(_ providerID: String, _ result: Result<[DiscoveredModel], ProviderError>) async {
        // At the store's millisecond precision, so the times in memory equal those read back after a restart.
        let date = Date(timeIntervalSince1970: (now().timeIntervalSince1970 * 1000).rounded() / 1000)
        let previous = state.withLock { $0.records[providerID] } ?? ProviderDiscoveryRecord(providerID: providerID)
        let record: ProviderDiscoveryRecord
        switch result {
        case .success(let models):
            let unique = Self.uniqueByUpstreamID(models)
            do {
                try await store.replaceDiscoveredModels(
                    providerID: providerID, models: unique.map(StoredDiscoveredModel.init(discovered:)), at: date)
            } catch {
                logger.error(
                    "catalog: could not save discovered models",
                    metadata: ["provider": "\(providerID)", "error": "\(error.detail)"])
            }
            record = previous.succeeded(at: date, modelCount: unique.count)
            state.withLock { state in
                state.listings[providerID] = unique
                state.records[providerID] = record
                state.generation += 1
            }
            logger.info("catalog: discovered", metadata: ["provider": "\(providerID)", "models": "\(unique.count)"])
            publish()
        case .failure(let error):
            do {
                record = try await store.recordDiscoveryFailure(
                    providerID: providerID, error: error.description, at: date)
            } catch let storeError {
                logger.error(
                    "catalog: could not save a discovery failure",
                    metadata: ["provider": "\(providerID)", "error": "\(storeError.detail)"])
                record = previous.failed(at: date, error: error.description)
            }
            state.withLock { $0.records[providerID] = record }
            logger.warning(
                "catalog: discovery failed; keeping the last known models",
                metadata: [
                    "provider": "\(providerID)", "error": "\(error)",
                    "consecutive_failures": "\(record.consecutiveFailures)",
                ])
        }
    }

    /// A listing naming one upstream id twice keeps its first entry.
    static func uniqueByUpstreamID(_ models: [DiscoveredModel]) -> [DiscoveredModel] {
        var seen = Set<String>()
        return models.filter { seen.insert($0.upstreamID).inserted }
    }

    /// `adapter.listModels()`, abandoned after `timeout` (the adapter's task is cancelled, but not waited
    /// for: one that ignores cancellation cannot hold the round up).
    static func listModels(_ adapter: any ProviderAdapter, timeout: Duration) async -> Result<
        [DiscoveredModel], ProviderError
    > {
        let race = Race()
        return await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                race.begin(continuation)
                let work = Task {
                    do throws(ProviderError) {
                        race.finish(.success(try await adapter.listModels()))
                    } catch {
                        race.finish(.failure(error))
                    }
                }
                let timer = Task {
                    do { try await Task.sleep(for: timeout) } catch { return }
                    race.finish(.failure(.timeout("listing the models took longer than \(timeout.formattedShort)")))
                }
                race.attach(work: work, timer: timer)
            }
        } onCancel: {
            race.finish(.failure(.cancelled))
        }
    }

    /// The first of the listing, the timer and cancellation to finish wins; the others are cancelled.
    final class Race: Sendable {
        typealias Outcome = Result<[DiscoveredModel], ProviderError>
        private struct Slots {
            var continuation: CheckedContinuation<Outcome, Never>?
            var finished: Outcome?
            var tasks: [Task<Void, Never>] = []
        }
        private let slots = Mutex(Slots())

        func begin(_ continuation: CheckedContinuation<Outcome, Never>) {
            let early = slots.withLock { slots -> Outcome? in
                if let finished = slots.finished { return finished }
                slots.continuation = continuation
                return nil
            }
            if let early { continuation.resume(returning: early) }
        }

        func attach(work: Task<Void, Never>, timer: Task<Void, Never>) {
            let done = slots.withLock { slots in
                slots.tasks = [work, timer]
                return slots.finished != nil
            }
            if done {
                work.cancel()
                timer.cancel()
            }
        }

        func finish(_ outcome: Outcome) {
            let (continuation, tasks) = slots.withLock {
                slots -> (CheckedContinuation<Outcome, Never>?, [Task<Void, Never>]) in
                guard slots.finished == nil else { return (nil, []) }
                slots.finished = outcome
                defer { slots.continuation = nil }
                return (slots.continuation, slots.tasks)
            }
            for task in tasks { task.cancel() }
            continuation?.resume(returning: outcome)
        }
    }
}

extension DiscoveredModel {
    /// A listing row read back from SQLite.
    init(stored: StoredDiscoveredModel) {
        self.init(
            upstreamID: stored.upstreamID, ownedBy: stored.ownedBy, displayName: stored.displayName,
            contextLength: stored.contextLength, declaredCapabilities: stored.capabilities.compactMap(Capability.init),
            hints: stored.hints, inputCostPerMTok: stored.inputCostPerMTok, outputCostPerMTok: stored.outputCostPerMTok)
    }
}

extension StoredDiscoveredModel {
    /// A listing row as SQLite keeps it.
    init(discovered: DiscoveredModel) {
        self.init(
            upstreamID: discovered.upstreamID, ownedBy: discovered.ownedBy, displayName: discovered.displayName,
            contextLength: discovered.contextLength, capabilities: discovered.declaredCapabilities.map(\.rawValue),
            hints: discovered.hints, inputCostPerMTok: discovered.inputCostPerMTok,
            outputCostPerMTok: discovered.outputCostPerMTok)
    }
}
