import MRConfig

/// What a model can do, guessed from its id and the listing's hints (SPEC: "from config, else inferred
/// from the id and the provider's metadata").
///
/// - `embed` anywhere → embedding, and nothing else inferred;
/// - `vision`, a `vl` or `v` word, a known vision family (LLaVA, Pixtral, PaliGemma, NeVA, VILA, Fuyu,
///   Kosmos) or an image/vision/multimodal hint → vision;
/// - a word starting with `code` (`codestral`, `codellama`), or containing `coder` (`starcoder2`,
///   `deepseek-coder`, but not `encoder`/`decoder`) → code;
/// - every non-embedding model chats.
///
/// Capabilities the listing declares are added. A config override's list replaces all of this (the merge
/// does that, not this function).
public enum CapabilityInference {
    static let visionFamilies: Set<String> = ["llava", "pixtral", "paligemma", "neva", "vila", "fuyu", "kosmos"]
    static let visionHints = ["vision", "image", "multimodal", "vlm"]

    /// The inferred and declared capabilities, in `Capability.allCases` order.
    public static func infer(id: String, hints: [String] = [], declared: [Capability] = []) -> [Capability] {
        var found = Set(declared)
        let lowered = id.lowercased()
        let loweredHints = hints.map { $0.lowercased() }
        if lowered.contains("embed") || loweredHints.contains(where: { $0.contains("embed") }) {
            found.insert(.embedding)
        } else {
            found.insert(.chat)
            let idWords = words(in: lowered)
            if idWords.contains(where: isVisionWord) || loweredHints.contains(where: isVisionHint) {
                found.insert(.vision)
            }
            if idWords.contains(where: isCodeWord) || loweredHints.contains(where: { words(in: $0).contains("code") }) {
                found.insert(.code)
            }
        }
        return Capability.allCases.filter(found.contains)
    }

    static func words(in text: String) -> [Substring] {
        text.split { !($0.isLetter || $0.isNumber) }
    }

    static func isVisionWord(_ word: Substring) -> Bool {
        word == "vision" || word == "vl" || word == "v" || word.hasSuffix("vision")
            || visionFamilies.contains(String(word))
    }

    static func isVisionHint(_ hint: String) -> Bool {
        visionHints.contains { hint.contains($0) }
    }

    static func isCodeWord(_ word: Substring) -> Bool {
        if word.hasPrefix("code") { return true }
        return word.contains("coder") && !word.contains("encoder") && !word.contains("decoder")
    }
}
