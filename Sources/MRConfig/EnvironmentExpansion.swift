/// Expands `${VAR}` references in one configuration scalar.
///
/// - `${VAR}` is the variable's value, or the empty string when it is unset.
/// - `${VAR:-fallback}` is `fallback` when the variable is unset or empty (as in the shell).
/// - `$${` is a literal `${`; any other `$` is kept as is (so `$STATE_DIRECTORY` is not expanded).
///
/// Expansion runs on each scalar after YAML parsing, so a value cannot inject YAML structure and the
/// line numbers in errors stay those of the file.
struct EnvironmentExpansion {
    /// Why a reference is malformed.
    struct Failure: Error {
        let message: String
    }

    let environment: [String: String]

    /// Whether `text` contains anything expansion would change.
    static func mayExpand(_ text: String) -> Bool {
        text.contains("${")
    }

    func expand(_ text: String) throws(Failure) -> String {
        guard Self.mayExpand(text) else { return text }
        var result = ""
        var rest = Substring(text)
        while let dollar = rest.firstIndex(of: "$") {
            result += rest[..<dollar]
            let afterDollar = rest.index(after: dollar)
            if rest[afterDollar...].hasPrefix("${") {
                // `$${` → literal `${`; the reference-looking text after it is copied unchanged.
                result += "${"
                rest = rest[rest.index(afterDollar, offsetBy: 2)...]
                continue
            }
            guard rest[afterDollar...].hasPrefix("{") else {
                result += "$"
                rest = rest[afterDollar...]
                continue
            }
            let bodyStart = rest.index(after: afterDollar)
            guard let close = rest[bodyStart...].firstIndex(of: "}") else {
                throw Failure(message: "unterminated \"${\" (write $${ for a literal ${)")
            }
            result += try value(of: rest[bodyStart..<close])
            rest = rest[rest.index(after: close)...]
        }
        result += rest
        return result
    }

    private func value(of reference: Substring) throws(Failure) -> String {
        let name: Substring
        let fallback: Substring?
        if let separator = reference.firstRange(of: ":-") {
            name = reference[..<separator.lowerBound]
            fallback = reference[separator.upperBound...]
        } else {
            name = reference
            fallback = nil
        }
        guard Self.isValidName(name) else {
            throw Failure(
                message: "invalid variable reference \"${\(reference)}\": a name is letters, digits and _, "
                    + "not starting with a digit")
        }
        let value = environment[String(name)] ?? ""
        if let fallback, value.isEmpty { return String(fallback) }
        return value
    }

    private static func isValidName(_ name: Substring) -> Bool {
        guard let first = name.unicodeScalars.first, !("0"..."9").contains(first) else { return false }
        return name.unicodeScalars.allSatisfy { scalar in
            ("a"..."z").contains(scalar) || ("A"..."Z").contains(scalar) || ("0"..."9").contains(scalar)
                || scalar == "_"
        }
    }
}
