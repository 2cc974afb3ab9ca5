internal import CSQLite

/// Column reading, 0-based, valid while the statement sits on a row (after `step()` returned `true`).
///
/// The plain accessors follow SQLite's conversions (NULL reads as 0, 0.0, "" or []); the `optional…`
/// accessors return nil for NULL.
extension SQLiteStatement {
    /// How many columns each row has.
    public var columnCount: Int32 { sqlite3_column_count(handle) }

    /// The name of a column, as SQLite reports it.
    public func columnName(at index: Int32) -> String {
        sqlite3_column_name(handle, index).map { String(cString: $0) } ?? ""
    }

    /// Whether the column holds NULL.
    public func isNull(at index: Int32) -> Bool {
        sqlite3_column_type(handle, index) == SQLITE_NULL
    }

    /// The column as a 64-bit integer.
    public func int64(at index: Int32) -> Int64 {
        sqlite3_column_int64(handle, index)
    }

    /// The column as an `Int`.
    public func int(at index: Int32) -> Int {
        Int(truncatingIfNeeded: sqlite3_column_int64(handle, index))
    }

    /// The column as a `Double`.
    public func double(at index: Int32) -> Double {
        sqlite3_column_double(handle, index)
    }

    /// The column as a `Bool` (any non-zero integer is true).
    public func bool(at index: Int32) -> Bool {
        sqlite3_column_int64(handle, index) != 0
    }

    /// The column as UTF-8 text (invalid sequences are repaired).
    public func string(at index: Int32) -> String {
        // Ask for the text before its length, as SQLite's documentation prescribes.
        guard let pointer = sqlite3_column_text(handle, index) else { return "" }
        let count = Int(sqlite3_column_bytes(handle, index))
        return String(decoding: UnsafeBufferPointer(start: pointer, count: count), as: UTF8.self)
    }

    /// The column as bytes.
    public func blob(at index: Int32) -> [UInt8] {
        guard let pointer = sqlite3_column_blob(handle, index) else { return [] }
        let count = Int(sqlite3_column_bytes(handle, index))
        return Array(UnsafeRawBufferPointer(start: pointer, count: count))
    }

    /// The column in its own storage class.
    public func value(at index: Int32) -> SQLiteValue {
        switch sqlite3_column_type(handle, index) {
        case SQLITE_INTEGER: .integer(int64(at: index))
        case SQLITE_FLOAT: .real(double(at: index))
        case SQLITE_TEXT: .text(string(at: index))
        case SQLITE_BLOB: .blob(blob(at: index))
        default: .null
        }
    }

    /// The column as an integer, nil for NULL.
    public func optionalInt64(at index: Int32) -> Int64? { isNull(at: index) ? nil : int64(at: index) }
    /// The column as an `Int`, nil for NULL.
    public func optionalInt(at index: Int32) -> Int? { isNull(at: index) ? nil : int(at: index) }
    /// The column as a `Double`, nil for NULL.
    public func optionalDouble(at index: Int32) -> Double? { isNull(at: index) ? nil : double(at: index) }
    /// The column as a `Bool`, nil for NULL.
    public func optionalBool(at index: Int32) -> Bool? { isNull(at: index) ? nil : bool(at: index) }
    /// The column as text, nil for NULL.
    public func optionalString(at index: Int32) -> String? { isNull(at: index) ? nil : string(at: index) }
    /// The column as bytes, nil for NULL.
    public func optionalBlob(at index: Int32) -> [UInt8]? { isNull(at: index) ? nil : blob(at: index) }
}
