import Logging
import MRCatalog
import MRConfig
import MRHTTPClient
import Synchronization

/// Tells the configured webhooks about every deployment state change (SPEC "Status"), so operators without
/// Alertmanager hear of an outage too.
///
/// Each webhook has its own bounded queue and worker, so a slow or dead receiver delays only itself. Handing
/// a change over never waits: when a queue is full its oldest message is dropped, counted and logged. A
/// failed delivery (5xx, 408, 429, timeout, connection failure) is retried with exponential backoff (and the
/// receiver's `Retry-After`), up to `notifications.retries` times; other 4xx answers are not retried.
/// Webhook URLs are often secrets, so logs show only their scheme and host.
public final class WebhookNotifier: Sendable {
    /// What became of one message, for `modelrouter_notifications_total{outcome}`.
    public enum Outcome: String, Sendable, Hashable {
        /// The receiver answered 2xx.
        case sent
        /// Every attempt failed, or the receiver refused it for good, or shutdown came first.
        case failed
        /// The webhook's queue was full and this (the oldest) message was dropped.
        case dropped
    }

    struct Endpoint: Sendable {
        let config: WebhookConfig
        let queue: DeliveryQueue<DeploymentStateChange>
    }

    private struct State {
        var intake: Task<Void, Never>?
        var workers: [Task<Void, Never>] = []
        var started = false
        var stopped = false
    }

    let endpoints: [Endpoint]
    private let client: HTTPClient?
    /// Whether ``stop(gracePeriod:)`` shuts `client` down (it was made here).
    private let ownsClient: Bool
    private let policy: RetryPolicy
    private let logger: Logger
    private let onOutcome: (@Sendable (Outcome) -> Void)?
    private let state = Mutex(State())

    /// - Parameters:
    ///   - config: the webhooks, queue size and retry count.
    ///   - client: the libcurl client to use; by default the notifier makes its own (only when a webhook is
    ///     configured), so webhook traffic never takes provider connection slots, and logs it at `info` or
    ///     above whatever the process's level: the client's debug lines carry full URLs, and webhook URLs are
    ///     secrets.
    ///   - retryPolicy: overrides the backoff (tests shorten it); by default 1 s doubling up to 60 s, with
    ///     `config.retries` retries.
    ///   - onOutcome: told what became of each message (metrics); must be cheap.
    public init(
        config: NotificationsConfig, client: HTTPClient? = nil, logger: Logger, retryPolicy: RetryPolicy? = nil,
        onOutcome: (@Sendable (Outcome) -> Void)? = nil
    ) {
        endpoints = config.webhooks.map { Endpoint(config: $0, queue: DeliveryQueue(capacity: config.queueSize)) }
        if let client {
            self.client = client
            ownsClient = false
        } else if !endpoints.isEmpty {
            var quiet = logger
            quiet.logLevel = max(logger.logLevel, .info)
            self.client = HTTPClient(
                configuration: .init(maxConnectionsPerHost: 4, maxTotalConnections: 64, maxIdleConnections: 16),
                logger: quiet)
            ownsClient = true
        } else {
            self.client = nil
            ownsClient = false
        }
        self.policy = retryPolicy ?? RetryPolicy(retries: config.retries)
        self.logger = logger
        self.onOutcome = onOutcome
    }

    /// Whether any webhook is configured (with none, `start` does nothing).
    public var isEnabled: Bool { !endpoints.isEmpty }

    /// Messages dropped so far because a queue was full, over every webhook.
    public var droppedCount: Int { endpoints.reduce(0) { $0 + $1.queue.dropped } }

    /// Messages waiting, over every webhook.
    public var queuedCount: Int { endpoints.reduce(0) { $0 + $1.queue.count } }

    /// Starts one worker per webhook and, when given, a task that hands each element of `changes` to
    /// ``submit(_:)`` (e.g. `HealthRegistry.changes()`). Calling it again, or after ``stop(gracePeriod:)``,
    /// does nothing.
    public func start(changes: AsyncStream<DeploymentStateChange>? = nil) {
        guard isEnabled else { return }
        state.withLock { state in
            guard !state.started, !state.stopped else { return }
            state.started = true
            state.workers = endpoints.map { endpoint in
                Task { [self] in await work(endpoint) }
            }
            if let changes {
                state.intake = Task { [self] in
                    for await change in changes { submit(change) }
                }
            }
        }
        logger.info("notifications: \(endpoints.count) webhook(s): \(endpoints.map(\.config.redactedURL))")
    }

    /// Queues `change` for every webhook that wants it. Never waits; after ``stop(gracePeriod:)`` it is ignored.
    public func submit(_ change: DeploymentStateChange) {
        for endpoint in endpoints where endpoint.config.wants(change.to.rawValue) {
            guard case .droppedOldest(let dropped) = endpoint.queue.push(change) else { continue }
            onOutcome?(.dropped)
            // The first drop and every 100th: a flapping catalog must not flood the log as well.
            if dropped == 1 || dropped % 100 == 0 {
                let message =
                    "notifications: the queue of \(endpoint.config.redactedURL) is full "
                    + "(\(endpoint.queue.capacity)); dropped the oldest message (\(dropped) dropped so far)"
                logger.warning("\(message)")
            }
        }
    }

    /// Stops taking changes, lets each worker deliver what is queued for up to `gracePeriod`, then cancels
    /// what is left (in-flight requests are aborted). Idempotent.
    public func stop(gracePeriod: Duration = .seconds(5)) async {
        let (intake, workers) = state.withLock { state -> (Task<Void, Never>?, [Task<Void, Never>]) in
            guard !state.stopped else { return (nil, []) }
            state.stopped = true
            defer {
                state.intake = nil
                state.workers = []
            }
            return (state.intake, state.workers)
        }
        intake?.cancel()
        for endpoint in endpoints { endpoint.queue.close() }
        defer { if ownsClient { client?.shutdown() } }
        guard !workers.isEmpty else { return }
        let drained = await withTaskGroup(of: Bool.self) { group in
            group.addTask {
                for worker in workers { await worker.value }
                return true
            }
            group.addTask {
                try? await Task.sleep(for: gracePeriod)
                return false
            }
            let first = await group.next() ?? true
            if first {
                group.cancelAll()
            } else {
                for worker in workers { worker.cancel() }
            }
            await group.waitForAll()
            return first
        }
        let left = queuedCount
        if !drained || left > 0 {
            logger.warning("notifications: stopped with \(left) message(s) undelivered")
        }
    }

    // MARK: Delivery

    private func work(_ endpoint: Endpoint) async {
        // Checked before taking an element, so a cancelled worker leaves the rest queued (and counted).
        while !Task.isCancelled, let change = await endpoint.queue.next() {
            let delivered = await deliver(change, to: endpoint.config)
            onOutcome?(delivered ? .sent : .failed)
        }
    }

    /// Sends one message with retries; true once a 2xx answer came.
    func deliver(_ change: DeploymentStateChange, to webhook: WebhookConfig) async -> Bool {
        let body = NotificationMessage.body(for: change, format: webhook.format)
        let about = "\(change.model)@\(change.provider) \(change.from.rawValue)→\(change.to.rawValue)"
        var retry = 0
        while true {
            let (result, detail) = await attempt(body, to: webhook)
            switch result {
            case .delivered:
                logger.debug("notifications: \(about) sent to \(webhook.redactedURL)")
                return true
            case .permanent:
                logger.error("notifications: \(webhook.redactedURL) refused \(about): \(detail); not retried")
                return false
            case .transient(let retryAfter):
                retry += 1
                guard
                    let delay = policy.delay(
                        beforeRetry: retry, retryAfter: retryAfter, jitter: Double.random(in: 0...1))
                else {
                    logger.error(
                        "notifications: giving up on \(about) to \(webhook.redactedURL) after \(retry) attempt(s): \(detail)"
                    )
                    return false
                }
                logger.warning(
                    "notifications: \(webhook.redactedURL) failed (\(detail)); retry \(retry) of \(policy.retries) in \(delay)"
                )
                do {
                    try await Task.sleep(for: delay)
                } catch {
                    return false  // stopping
                }
            }
        }
    }

    /// One POST; the detail names the failure for the log (an HTTP status or the client error's kind, never
    /// the URL).
    private func attempt(_ body: [UInt8], to webhook: WebhookConfig) async -> (RetryPolicy.AttemptResult, String) {
        let request = HTTPClientRequest(
            url: webhook.url, method: "POST", headers: [("Content-Type", "application/json")] + webhook.headers,
            body: body,
            timeouts: HTTPClientTimeouts(connect: min(webhook.timeout, .seconds(10)), total: webhook.timeout))
        guard let client else { return (.permanent, "no HTTP client") }
        do {
            let response = try await client.execute(request)
            // Read the (small) answer to its end so the connection can be reused; its content does not matter.
            _ = try? await response.body.collect(upTo: 64 * 1024)
            return (
                RetryPolicy.classify(status: response.status, retryAfter: response.headers.first("Retry-After")),
                "HTTP \(response.status)"
            )
        } catch {
            switch error {
            case .cancelled, .shutdown, .invalidRequest: return (.permanent, error.name)
            default: return (.transient(retryAfter: nil), error.name)
            }
        }
    }
}
