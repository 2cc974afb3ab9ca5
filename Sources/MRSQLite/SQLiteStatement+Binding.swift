internal import CSQLite

extension SQLiteStatement {
    /// Binds a value to the 1-based parameter `index`.
    public func bind(_ value: SQLiteValue, at index: Int32) throws(SQLiteError) {
        let code: Int32
        switch value {
        case .null:
            code = sqlite3_bind_null(handle, index)
        case .integer(let integer):
            code = sqlite3_bind_int64(handle, index, integer)
        case .real(let real):
            code = sqlite3_bind_double(handle, index, real)
        case .text(let text):
            // The explicit length keeps embedded NUL characters; withCString never hands out a nil pointer,
            // which SQLite would take as NULL rather than as an empty string.
            let length = UInt64(text.utf8.count)
            code = text.withCString { pointer in
                sqlite3_bind_text64(handle, index, pointer, length, mr_sqlite_transient(), UInt8(SQLITE_UTF8))
            }
        case .blob(let bytes):
            if bytes.isEmpty {
                // A nil pointer would bind NULL: an empty blob is a zero-length zeroblob.
                code = sqlite3_bind_zeroblob(handle, index, 0)
            } else {
                code = bytes.withUnsafeBytes { buffer in
                    sqlite3_bind_blob64(
                        handle, index, buffer.baseAddress, UInt64(buffer.count), mr_sqlite_transient())
                }
            }
        }
        guard code == SQLITE_OK else {
            throw SQLiteError(code: code, message: String(cString: sqlite3_errstr(code)), sql: sql)
        }
    }

    /// Binds NULL to the 1-based parameter `index`.
    public func bindNull(at index: Int32) throws(SQLiteError) { try bind(.null, at: index) }
    /// Binds an integer, or NULL for nil.
    public func bind(_ value: Int64?, at index: Int32) throws(SQLiteError) { try bind(SQLiteValue(value), at: index) }
    /// Binds an integer, or NULL for nil.
    public func bind(_ value: Int?, at index: Int32) throws(SQLiteError) { try bind(SQLiteValue(value), at: index) }
    /// Binds a floating-point number, or NULL for nil.
    public func bind(_ value: Double?, at index: Int32) throws(SQLiteError) { try bind(SQLiteValue(value), at: index) }
    /// Binds UTF-8 text (copied by SQLite), or NULL for nil.
    public func bind(_ value: String?, at index: Int32) throws(SQLiteError) { try bind(SQLiteValue(value), at: index) }
    /// Binds a blob (copied by SQLite), or NULL for nil.
    public func bind(_ value: [UInt8]?, at index: Int32) throws(SQLiteError) {
        try bind(SQLiteValue(value), at: index)
    }
    /// Binds 1 or 0, or NULL for nil.
    public func bind(_ value: Bool?, at index: Int32) throws(SQLiteError) { try bind(SQLiteValue(value), at: index) }

    /// Binds `values` to parameters 1, 2, 3… in order.
    public func bind(_ values: [SQLiteValue]) throws(SQLiteError) {
        for (offset, value) in values.enumerated() {
            try bind(value, at: Int32(offset + 1))
        }
    }

    // MARK: By name

    /// The 1-based index of a named parameter (`:name`, `@name` or `$name`, prefix included).
    public func parameterIndex(named name: String) throws(SQLiteError) -> Int32 {
        let index = sqlite3_bind_parameter_index(handle, name)
        guard index > 0 else { throw .misuse("no parameter named \(name)", sql: sql) }
        return index
    }

    /// Binds a value to a named parameter such as `:name`.
    public func bind(_ value: SQLiteValue, named name: String) throws(SQLiteError) {
        try bind(value, at: parameterIndex(named: name))
    }
    /// Binds an integer, or NULL for nil, to a named parameter.
    public func bind(_ value: Int64?, named name: String) throws(SQLiteError) {
        try bind(SQLiteValue(value), named: name)
    }
    /// Binds an integer, or NULL for nil, to a named parameter.
    public func bind(_ value: Int?, named name: String) throws(SQLiteError) {
        try bind(SQLiteValue(value), named: name)
    }
    /// Binds a floating-point number, or NULL for nil, to a named parameter.
    public func bind(_ value: Double?, named name: String) throws(SQLiteError) {
        try bind(SQLiteValue(value), named: name)
    }
    /// Binds text, or NULL for nil, to a named parameter.
    public func bind(_ value: String?, named name: String) throws(SQLiteError) {
        try bind(SQLiteValue(value), named: name)
    }
    /// Binds a blob, or NULL for nil, to a named parameter.
    public func bind(_ value: [UInt8]?, named name: String) throws(SQLiteError) {
        try bind(SQLiteValue(value), named: name)
    }
    /// Binds 1 or 0, or NULL for nil, to a named parameter.
    public func bind(_ value: Bool?, named name: String) throws(SQLiteError) {
        try bind(SQLiteValue(value), named: name)
    }
}
