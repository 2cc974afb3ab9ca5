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
    // Works on lowercased ASCII bytes: ids are ASCII in practice, and Character-level string work costs
    // about twenty times more (it was most of the merge's time with 1,000 models). Non-ASCII bytes count
    // as letters.
    typealias Word = ArraySlice<UInt8>

    static let visionFamilies: [[UInt8]] = ["llava", "pixtral", "paligemma", "neva", "vila", "fuyu", "kosmos"].map {
        Array($0.utf8)
    }
    static let visionHints: [[UInt8]] = ["vision", "image", "multimodal", "vlm"].map { Array($0.utf8) }
    static let embed = Array("embed".utf8)
    static let vision = Array("vision".utf8)
    static let code = Array("code".utf8)
    static let coder = Array("coder".utf8)
    static let encoder = Array("encoder".utf8)
    static let decoder = Array("decoder".utf8)

    /// The inferred and declared capabilities, in `Capability.allCases` order.
    public static func infer(id: String, hints: [String] = [], declared: [Capability] = []) -> [Capability] {
        var found = Set(declared)
        let lowered = lowercased(id)
        let loweredHints = hints.map(lowercased)
        if contains(lowered[...], embed) || loweredHints.contains(where: { contains($0[...], embed) }) {
            found.insert(.embedding)
        } else {
            found.insert(.chat)
            let idWords = words(in: lowered)
            if idWords.contains(where: isVisionWord) || loweredHints.contains(where: isVisionHint) {
                found.insert(.vision)
            }
            if idWords.contains(where: isCodeWord)
                || loweredHints.contains(where: { words(in: $0).contains { $0.elementsEqual(code) } })
            {
                found.insert(.code)
            }
        }
        return Capability.allCases.filter(found.contains)
    }

    static func lowercased(_ text: String) -> [UInt8] {
        text.utf8.map { $0 >= UInt8(ascii: "A") && $0 <= UInt8(ascii: "Z") ? $0 + 32 : $0 }
    }

    /// Runs of letters and digits.
    static func words(in bytes: [UInt8]) -> [Word] {
        bytes.split { byte in
            !(byte >= 0x80 || (byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "z"))
                || (byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9")))
        }
    }

    static func contains(_ haystack: Word, _ needle: [UInt8]) -> Bool {
        guard haystack.count >= needle.count else { return false }
        var start = haystack.startIndex
        while start + needle.count <= haystack.endIndex {
            if haystack[start..<(start + needle.count)].elementsEqual(needle) { return true }
            start += 1
        }
        return false
    }

    static func isVisionWord(_ word: Word) -> Bool {
        if word.count == 1 { return word.first == UInt8(ascii: "v") }
        if word.elementsEqual([UInt8(ascii: "v"), UInt8(ascii: "l")]) { return true }
        if word.count >= vision.count && word.suffix(vision.count).elementsEqual(vision) { return true }
        return visionFamilies.contains { word.elementsEqual($0) }
    }

    static func isVisionHint(_ hint: [UInt8]) -> Bool {
        visionHints.contains { contains(hint[...], $0) }
    }

    static func isCodeWord(_ word: Word) -> Bool {
        if word.count >= code.count && word.prefix(code.count).elementsEqual(code) { return true }
        return contains(word, coder) && !contains(word, encoder) && !contains(word, decoder)
    }
}
