import MRConfig

/// How a discovered model gets its ModelRouter id and publisher (SPEC "Identity").
///
/// - An upstream id that already has a publisher (`meta/llama-3.1-8b-instruct`, as NVIDIA and OpenRouter
///   list them) is the model id as is.
/// - Otherwise the id is `publisher/upstream_id`, the publisher being the listing's `owned_by` when it names
///   one (lowercased, spaces as `-`), `anthropic` for Anthropic, and else the provider's id — so OpenAI's
///   `gpt-4o` (owned by `system`) becomes `openai/gpt-4o` at the `openai` provider.
public enum ModelIdentity {
    /// `owned_by` values that name an account kind rather than a publisher.
    static let genericOwners: Set<String> = ["system", "user", "organization", "organization-owner", "unknown", ""]
    /// `owned_by` spellings of one publisher.
    static let ownerAliases: [String: String] = ["openai-internal": "openai", "openai-dev": "openai"]

    /// The model id for a provider's `upstreamID`.
    public static func modelID(
        upstreamID: String, ownedBy: String?, providerType: ProviderType, providerID: String
    ) -> String {
        if hasPublisher(upstreamID) { return upstreamID }
        let publisher = fallbackPublisher(ownedBy: ownedBy, providerType: providerType, providerID: providerID)
        return publisher + "/" + upstreamID
    }

    /// The publisher of a model id: the part before the first `/`; nil when the id has none.
    public static func publisher(of modelID: String) -> String? {
        guard hasPublisher(modelID), let slash = modelID.firstIndex(of: "/") else { return nil }
        return String(modelID[..<slash])
    }

    /// The part of a model id after its publisher (the whole id when it has none).
    public static func name(of modelID: String) -> String {
        guard hasPublisher(modelID), let slash = modelID.firstIndex(of: "/") else { return modelID }
        return String(modelID[modelID.index(after: slash)...])
    }

    /// The publisher for an id that does not carry one.
    static func fallbackPublisher(ownedBy: String?, providerType: ProviderType, providerID: String) -> String {
        if providerType == .anthropic { return "anthropic" }
        if let ownedBy {
            let normalized = String(
                ownedBy.trimmingSpaces.lowercased().map { $0 == " " || $0 == "/" ? "-" : $0 })
            let publisher = ownerAliases[normalized] ?? normalized
            if !genericOwners.contains(publisher) { return publisher }
        }
        return providerID
    }

    /// A `/` with something on both sides.
    static func hasPublisher(_ id: String) -> Bool {
        guard let slash = id.firstIndex(of: "/") else { return false }
        return slash != id.startIndex && id.index(after: slash) != id.endIndex
    }
}

extension String {
    var trimmingSpaces: String {
        var slice = Substring(self)
        while let first = slice.first, first.isWhitespace { slice.removeFirst() }
        while let last = slice.last, last.isWhitespace { slice.removeLast() }
        return String(slice)
    }
}
