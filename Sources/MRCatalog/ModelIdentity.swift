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
        guard let slash = publisherSlash(modelID) else { return nil }
        return String(modelID[..<slash])
    }

    /// The part of a model id after its publisher (the whole id when it has none).
    public static func name(of modelID: String) -> String {
        guard let slash = publisherSlash(modelID) else { return modelID }
        return String(modelID[modelID.index(after: slash)...])
    }

    /// The publisher for an id that does not carry one.
    static func fallbackPublisher(ownedBy: String?, providerType: ProviderType, providerID: String) -> String {
        if providerType == .anthropic { return "anthropic" }
        if let ownedBy {
            // Lowercased ASCII, spaces and slashes as `-` (a publisher must not contain `/`).
            let bytes = ownedBy.trimmingSpaces.utf8.map { byte -> UInt8 in
                switch byte {
                case UInt8(ascii: "A")...UInt8(ascii: "Z"): byte + 32
                case UInt8(ascii: " "), UInt8(ascii: "/"): UInt8(ascii: "-")
                default: byte
                }
            }
            let normalized = String(decoding: bytes, as: UTF8.self)
            let publisher = ownerAliases[normalized] ?? normalized
            if !genericOwners.contains(publisher) { return publisher }
        }
        return providerID
    }

    /// A `/` with something on both sides.
    static func hasPublisher(_ id: String) -> Bool { publisherSlash(id) != nil }

    /// The first `/`, when something comes before and after it.
    private static func publisherSlash(_ id: String) -> String.Index? {
        let utf8 = id.utf8
        guard let slash = utf8.firstIndex(of: UInt8(ascii: "/")), slash != utf8.startIndex,
            utf8.index(after: slash) != utf8.endIndex
        else { return nil }
        return slash
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
