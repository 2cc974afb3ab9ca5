import MRHTTPServer
import MRProviders
import MRRouting
import MRWeb

/// How a streamed chat answer is written on the wire: the SPEC's `token`/`done`/`error` events, or OpenAI's
/// chunks ending in `[DONE]`. Each method builds one write's bytes.
protocol ChatStreamFormat: Sendable {
    /// Written before the first token; empty for none.
    var opening: [UInt8] { get }
    func token(_ text: String) -> [UInt8]
    /// The end of a finished answer.
    func ending(_ session: ChatSession) -> [UInt8]
    /// A failure after the answer started, in place of the end (never a fake end).
    func failure(_ error: any HTTPResponseError) -> [UInt8]
}

/// Relays a routed session to the client as it comes.
enum ChatRelay {
    /// Writes the session's tokens, then its end or its failure. A session cancelled while the client is still
    /// there means the server is stopping, which is said too. Closes the session (the upstream transfer).
    ///
    /// The producing task keeps this frame for the stream's life, so the bytes are built by the format's
    /// methods (kept out of line there), not in here: at 5,000 streams every 100 bytes of frame is 0.5 MB.
    static func run(_ session: ChatSession, as format: some ChatStreamFormat, to writer: HTTPBodyWriter)
        async throws
    {
        defer { session.close() }
        let opening = format.opening
        if !opening.isEmpty { try await writer.write(opening) }
        let tail: [UInt8]
        while true {
            let event: ChatEvent?
            do {
                event = try await session.next()
            } catch {
                if error.kind == .cancelled && writer.isClosed { return }
                tail = format.failure(error.kind == .cancelled ? ChatWire.shuttingDown : error)
                break
            }
            guard let event else {
                tail = format.ending(session)
                break
            }
            if case .token(let text) = event { try await writer.write(format.token(text)) }
        }
        try await writer.write(tail)
    }
}
