import Foundation

/// A directory of its own for one test, removed when the test lets go of it.
public final class TemporaryDirectory: Sendable {
    public let path: String

    public init() throws {
        path = try makeTemporaryDirectory()
    }

    /// A path for a file in this directory.
    public func file(_ name: String = "test.db") -> String { path + "/" + name }

    /// Writes `contents` to `name` inside the directory and returns the file's path.
    public func write(_ name: String, _ contents: String) throws -> String {
        let file = file(name)
        try Data(contents.utf8).write(to: URL(fileURLWithPath: file))
        return file
    }

    deinit { removeDirectory(path) }
}

/// A fresh directory under /tmp (for callers that manage its lifetime themselves, e.g. across restarts).
public func makeTemporaryDirectory() throws -> String {
    var template = Array("/tmp/modelrouter-test-XXXXXX".utf8CString)
    guard let path = mkdtemp(&template) else { throw RawHTTPConnection.Failure("mkdtemp failed: errno \(errno)") }
    return String(cString: path)
}

/// Removes a test directory and what is in it (only under /tmp, as a guard against a wrong path).
public func removeDirectory(_ path: String) {
    guard path.hasPrefix("/tmp/") else { return }
    try? FileManager.default.removeItem(atPath: path)
}
