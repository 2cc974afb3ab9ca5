#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// systemd credentials as environment variables, so `${VAR}` in the configuration (and the presets' key
/// variables) reach secrets that systemd hands over in `$CREDENTIALS_DIRECTORY` (`LoadCredential=`,
/// `SetCredentialEncrypted=`) without them ever being in the environment of the unit or on the command line.
///
/// Each regular file in the directory whose name is a valid variable name (`NVIDIA_API_KEY`,
/// `MODELROUTER_ADMIN_KEY`) becomes that variable, its content with one trailing line break removed, unless
/// the environment already sets the variable to something non-empty (an explicit environment wins). Files
/// with other names, larger than 64 KiB, or not UTF-8 are skipped.
public enum CredentialsEnvironment {
    /// The variable systemd sets to the directory holding the unit's credentials.
    public static let directoryVariable = "CREDENTIALS_DIRECTORY"
    /// Larger files are not credentials ModelRouter knows how to use.
    public static let maxFileBytes = 64 * 1024

    /// `environment` with the credentials of `$CREDENTIALS_DIRECTORY` added; unchanged when it is unset.
    public static func overlay(_ environment: [String: String]) -> [String: String] {
        guard let directory = environment[directoryVariable], !directory.isEmpty else { return environment }
        var result = environment
        for (name, value) in credentials(in: directory) where (result[name] ?? "").isEmpty {
            result[name] = value
        }
        return result
    }

    /// The usable credentials in `directory`, by name.
    public static func credentials(in directory: String) -> [String: String] {
        let fileManager = FileManager.default
        guard let names = try? fileManager.contentsOfDirectory(atPath: directory) else { return [:] }
        var found: [String: String] = [:]
        for name in names where isVariableName(name) {
            let path = directory + "/" + name
            guard let attributes = try? fileManager.attributesOfItem(atPath: path),
                attributes[.type] as? FileAttributeType == .typeRegular,
                let size = attributes[.size] as? Int, size <= maxFileBytes,
                let data = fileManager.contents(atPath: path),
                var text = String(validating: data, as: UTF8.self)
            else { continue }
            // "\r\n" is one Character in Swift, so either line ending goes in one removal.
            if text.last == "\n" || text.last == "\r\n" { text.removeLast() }
            found[name] = text
        }
        return found
    }

    /// Letters, digits and `_`, not starting with a digit (what `${…}` accepts).
    static func isVariableName(_ name: String) -> Bool {
        guard let first = name.utf8.first, !(UInt8(ascii: "0")...UInt8(ascii: "9")).contains(first) else {
            return false
        }
        return name.utf8.allSatisfy { byte in
            (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte)
                || (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte)
                || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) || byte == UInt8(ascii: "_")
        }
    }
}
