/// A response body as it arrives: an `AsyncSequence` of byte chunks (`[UInt8]`, each owned by the consumer).
///
/// A chunk holds what libcurl delivered since the previous `next()`: possibly several network reads joined, never
/// more than roughly the configured high-water mark. The sequence throws ``HTTPClientError`` when the transfer
/// fails, after handing out every byte received before the failure: a body cut short always ends with an error,
/// never with a silent early end.
///
/// Back-pressure: while the consumer lags and more than `bodyBufferHighWaterMark` bytes wait for it, the
/// transfer is paused (libcurl stops reading the socket) and resumes once the consumer drained half of them.
///
/// Iterate it once, from one task at a time. Cancelling the iterating task, or dropping the body before its end,
/// aborts the transfer and closes its connection.
public struct HTTPClientResponseBody: AsyncSequence, Sendable {
    public typealias Element = [UInt8]
    public typealias Failure = HTTPClientError

    private let storage: Storage
    private let expectedLength: Int?

    init(transfer: Transfer, expectedLength: Int?) {
        self.storage = Storage(transfer: transfer)
        self.expectedLength = expectedLength
    }

    public func makeAsyncIterator() -> AsyncIterator { AsyncIterator(storage: storage) }

    /// Pulls chunks from the transfer.
    public struct AsyncIterator: AsyncIteratorProtocol {
        public typealias Element = [UInt8]
        public typealias Failure = HTTPClientError

        fileprivate let storage: Storage

        /// The next chunk, or `nil` after the last one.
        public mutating func next() async throws(HTTPClientError) -> [UInt8]? {
            try await storage.transfer.nextChunk().get()
        }

        /// What is there right now, without waiting: a chunk, the end, or nothing yet. Throws like ``next()``.
        public mutating func nextIfReady() throws(HTTPClientError) -> ReadyChunk {
            try storage.transfer.chunkIfReady().get()
        }
    }

    /// The answer of ``AsyncIterator/nextIfReady()``.
    public enum ReadyChunk: Sendable {
        case chunk([UInt8])
        case end
        case notYet
    }

    /// The whole body, or ``HTTPClientError/bodyTooLarge`` (and an aborted transfer) once it passes `maxBytes`.
    public func collect(upTo maxBytes: Int) async throws(HTTPClientError) -> [UInt8] {
        if let expectedLength, expectedLength > maxBytes {
            storage.transfer.cancel(.bodyTooLarge)
            throw .bodyTooLarge.with(message: "Content-Length \(expectedLength) exceeds the limit of \(maxBytes) bytes")
        }
        var collected: [UInt8] = []
        var iterator = makeAsyncIterator()
        while let chunk = try await iterator.next() {
            guard collected.count + chunk.count <= maxBytes else {
                storage.transfer.cancel(.bodyTooLarge)
                throw .bodyTooLarge.with(message: "the body exceeds the limit of \(maxBytes) bytes")
            }
            collected.append(contentsOf: chunk)
        }
        return collected
    }

    /// Tells the transfer its consumer found the first meaningful piece of the body, which ends the request's
    /// `firstEvent` limit. Cheap (one lock); no effect without that limit or once the transfer ended.
    public func markFirstEvent() {
        storage.transfer.markFirstEvent()
    }

    /// How the back-pressure behaved so far; for tests and diagnostics.
    package struct BufferStatistics: Sendable, Equatable {
        /// The most body bytes ever waiting for the consumer at once.
        package var maxBufferedBytes: Int
        /// How many times the transfer was paused because the consumer lagged.
        package var pauseCount: Int
        /// Whether the transfer is paused right now.
        package var isPaused: Bool
    }

    /// Back-pressure counters of this body's transfer.
    package var bufferStatistics: BufferStatistics { storage.transfer.bufferStatistics }

    /// Holds the transfer for the body and its iterators; when the last of them goes away before the transfer
    /// ended, the transfer is aborted so no unread response keeps a connection busy.
    fileprivate final class Storage: Sendable {
        let transfer: Transfer

        init(transfer: Transfer) { self.transfer = transfer }

        deinit {
            transfer.cancel(.cancelled.with(message: "the response body was dropped before its end"))
        }
    }
}
