import MRCommon
import Yams

/// A scalar's text after `${…}` expansion.
struct ScalarValue {
    /// The text after expansion.
    let text: String
    /// The text as written in the file.
    let raw: String
    /// Written quoted, as a block scalar, or tagged `!!str`: then it is a string, never a number or a bool.
    let isQuoted: Bool

    /// How the value is quoted in messages: the expanded text, plus the reference it came from.
    var display: String {
        let written = isQuoted ? "the quoted string \"\(text)\"" : "\"\(text)\""
        return text == raw ? written : "\(written) (from \"\(raw)\")"
    }
}

extension ConfigNode {
    /// The expanded scalar, nil for null; a mapping or list is an error saying `expected`.
    func scalar(expecting expected: String) throws(ConfigError) -> ScalarValue? {
        if isNull { return nil }
        guard case .scalar(let scalar) = node else {
            throw failure(.typeMismatch, "expected \(expected), got \(shapeDescription)")
        }
        let text: String
        do {
            text = try context.expansion.expand(scalar.string)
        } catch {
            throw failure(.invalidVariable, error.message)
        }
        let isQuoted = !(scalar.style == .plain || scalar.style == .any) || scalar.tag.rawValue == Tag.Name.str.rawValue
        return ScalarValue(text: text, raw: scalar.string, isQuoted: isQuoted)
    }

    /// Like ``scalar(expecting:)`` but null is an error too.
    func requiredScalar(expecting expected: String) throws(ConfigError) -> ScalarValue {
        guard let value = try scalar(expecting: expected) else {
            throw failure(.typeMismatch, "expected \(expected), got nothing (null)")
        }
        return value
    }

    /// A string that must not be empty (after expansion).
    func string() throws(ConfigError) -> String {
        let value = try requiredScalar(expecting: "a string")
        guard !value.text.isEmpty else {
            throw failure(.invalidValue, value.text == value.raw ? "must not be empty" : "\(value.display) is empty")
        }
        return value.text
    }

    /// An optional string: null and the empty string (an unset `${VAR}` included) mean "absent".
    func optionalString() throws(ConfigError) -> String? {
        guard let value = try scalar(expecting: "a string"), !value.text.isEmpty else { return nil }
        return value.text
    }

    /// `true`/`false` (also `yes`/`no`/`on`/`off`, as YAML 1.1 reads them), written without quotes.
    func bool() throws(ConfigError) -> Bool {
        let value = try requiredScalar(expecting: "true or false")
        if !value.isQuoted {
            switch value.text {
            case "true", "True", "TRUE", "yes", "Yes", "YES", "on", "On", "ON": return true
            case "false", "False", "FALSE", "no", "No", "NO", "off", "Off", "OFF": return false
            default: break
            }
        }
        throw failure(.typeMismatch, "expected true or false, got \(value.display)")
    }

    /// A whole number in `range`, written without quotes (`_` separators allowed, as in `1_048_576`).
    func int(in range: ClosedRange<Int>) throws(ConfigError) -> Int {
        let value = try requiredScalar(expecting: "an integer")
        let digits = value.text.filter { $0 != "_" }
        guard !value.isQuoted, !digits.isEmpty, let number = Int(digits) else {
            throw failure(.typeMismatch, "expected an integer, got \(value.display)")
        }
        guard range.contains(number) else {
            throw failure(.outOfRange, "must be between \(range.lowerBound) and \(range.upperBound), got \(number)")
        }
        return number
    }

    /// A finite number, zero or more (prices), written without quotes.
    func nonNegativeDouble() throws(ConfigError) -> Double {
        let value = try requiredScalar(expecting: "a number")
        guard !value.isQuoted, let number = Double(value.text.filter { $0 != "_" }), number.isFinite else {
            throw failure(.typeMismatch, "expected a number, got \(value.display)")
        }
        guard number >= 0 else { throw failure(.outOfRange, "must not be negative, got \(value.text)") }
        return number
    }

    /// A duration (`250ms`, `5m`, or a bare number of seconds) in `range`, or zero when `zeroAllowed`
    /// (for settings where 0 means "off").
    func duration(in range: ClosedRange<Duration>, zeroAllowed: Bool = false) throws(ConfigError) -> Duration {
        let value = try requiredScalar(expecting: "a duration")
        let duration: Duration
        do {
            duration = try Duration(parsing: value.text)
        } catch {
            throw failure(.invalidValue, error.message)
        }
        if zeroAllowed, duration == .zero { return duration }
        guard range.contains(duration) else {
            let bounds = "between \(range.lowerBound.formattedShort) and \(range.upperBound.formattedShort)"
            let allowed = zeroAllowed ? "0 (off) or \(bounds)" : bounds
            throw failure(.outOfRange, "must be \(allowed), got \(duration.formattedShort)")
        }
        return duration
    }

    /// One of an enumeration's raw values, spelled exactly.
    func choice<Choice: CaseIterable & RawRepresentable>(
        _ type: Choice.Type
    ) throws(ConfigError) -> Choice where Choice.RawValue == String {
        let names = Choice.allCases.map(\.rawValue)
        let value = try requiredScalar(expecting: "one of \(names.joined(separator: ", "))")
        guard let choice = Choice(rawValue: value.text) else {
            throw failure(
                .invalidValue, "expected one of \(names.joined(separator: ", ")), got \(value.display)")
        }
        return choice
    }
}
