import MRConfig

/// A provider behind its `rpm` bucket: every call takes a token first (traffic before probes; discovery
/// counts as a probe), and an upstream 429 pauses that deployment for its `Retry-After`, during which
/// calls fail at once with `rate_limited` instead of spending quota on a certain refusal.
package struct RateLimitedProvider: ProviderAdapter {
    package let base: any ProviderAdapter
    package let limiter: ProviderRateLimiter
    /// The pause when a 429 carries no `Retry-After`.
    package let defaultPause: Duration

    package init(_ base: any ProviderAdapter, limiter: ProviderRateLimiter, defaultPause: Duration = .seconds(30)) {
        self.base = base
        self.limiter = limiter
        self.defaultPause = defaultPause
    }

    package var id: String { base.id }
    package var type: ProviderType { base.type }
    package var isSimulated: Bool { base.isSimulated }

    package func listModels() async throws(ProviderError) -> [DiscoveredModel] {
        try await admit(priority: .probe, deployment: nil)
        return try await observe(deployment: nil) { () async throws(ProviderError) in try await base.listModels() }
    }

    package func chat(_ request: ChatRequest) async throws(ProviderError) -> ChatStream {
        try await admit(priority: request.priority, deployment: request.model)
        return try await observe(deployment: request.model) { () async throws(ProviderError) in
            try await base.chat(request)
        }
    }

    package func embed(_ request: EmbeddingRequest) async throws(ProviderError) -> EmbeddingResult {
        try await admit(priority: request.priority, deployment: request.model)
        return try await observe(deployment: request.model) { () async throws(ProviderError) in
            try await base.embed(request)
        }
    }

    private func admit(priority: CallPriority, deployment: String?) async throws(ProviderError) {
        if let deployment, let remaining = limiter.remainingPause(deployment: deployment) {
            throw ProviderError(
                kind: .rateLimited, message: "paused after an upstream 429; retry later", retryAfter: remaining)
        }
        do {
            try await limiter.acquire(priority: priority == .traffic ? .traffic : .probe)
        } catch {
            throw .cancelled
        }
    }

    private func observe<T>(deployment: String?, _ call: () async throws(ProviderError) -> T)
        async throws(ProviderError)
        -> T
    {
        do {
            return try await call()
        } catch {
            if error.kind == .rateLimited, let deployment {
                limiter.pause(deployment: deployment, for: error.retryAfter ?? defaultPause)
            }
            throw error
        }
    }
}
