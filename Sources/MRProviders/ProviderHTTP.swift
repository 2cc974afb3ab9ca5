import MRHTTPClient

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// What the HTTP adapters share: where the provider is, its key, the client, and the conversion of every
/// failure (transport, timeout, HTTP status, bad body) into a classified ``ProviderError`` with the key redacted.
struct ProviderEndpoint: Sendable {
    /// Largest error body read to find upstream's message.
    static let errorBodyLimit = 64 * 1024
    /// Largest JSON answer accepted (a non-streamed chat, an embedding, a model list).
    static let jsonBodyLimit = 32 << 20

    let providerID: String
    /// Without a trailing slash.
    let baseURL: String
    let apiKey: String?
    let client: HTTPClient

    init(providerID: String, baseURL: String, apiKey: String?, client: HTTPClient) {
        self.providerID = providerID
        var base = baseURL
        while base.hasSuffix("/") { base.removeLast() }
        self.baseURL = base
        self.apiKey = apiKey.flatMap { $0.isEmpty ? nil : $0 }
        self.client = client
    }

    /// `{base_url}/{path}`.
    func url(_ path: String) -> String { baseURL + "/" + path }

    /// `text` with every occurrence of the API key replaced, so no error message or log line can carry it.
    func redact(_ text: String) -> String {
        guard let apiKey, apiKey.utf8.count >= 4, text.contains(apiKey) else { return text }
        return text.replacing(apiKey, with: "[redacted]")
    }

    func failure(
        _ kind: ProviderError.Kind, _ message: String, httpStatus: Int? = nil, retryAfter: Duration? = nil
    ) -> ProviderError {
        ProviderError(kind: kind, message: redact(message), httpStatus: httpStatus, retryAfter: retryAfter)
    }

    // MARK: Exchanges

    /// Sends `request`; returns the response when its status is 2xx, else throws the status's classified error
    /// (reading a bounded part of the body for upstream's message).
    func open(_ request: HTTPClientRequest, timeouts: ChatTimeouts) async throws(ProviderError) -> HTTPClientResponse {
        let response: HTTPClientResponse
        do {
            response = try await client.execute(request)
        } catch {
            throw transportFailure(error, timeouts: timeouts)
        }
        guard (200..<300).contains(response.status) else {
            let body: [UInt8]
            do {
                body = try await response.body.collect(upTo: Self.errorBodyLimit)
            } catch  where error == .bodyTooLarge {
                body = []
            } catch {
                // The status alone classifies the failure; a broken error body only loses the detail.
                if error == .cancelled { throw .cancelled }
                body = []
            }
            throw statusFailure(status: response.status, headers: response.headers, body: body)
        }
        return response
    }

    /// Sends `request` and returns its whole 2xx body (at most ``jsonBodyLimit`` bytes).
    func fetch(_ request: HTTPClientRequest, timeouts: ChatTimeouts) async throws(ProviderError) -> [UInt8] {
        let response = try await open(request, timeouts: timeouts)
        do {
            return try await response.body.collect(upTo: Self.jsonBodyLimit)
        } catch {
            throw transportFailure(error, timeouts: timeouts)
        }
    }

    /// A request to `path` with the JSON `body`, the provider's `headers`, and `timeouts` mapped onto the client.
    func jsonRequest(
        _ path: String, method: String = "POST", headers: [(String, String)], body: [UInt8]?,
        timeouts: HTTPClientTimeouts
    ) -> HTTPClientRequest {
        var all = headers
        if body != nil { all.append(("Content-Type", "application/json")) }
        all.append(("Accept", "application/json"))
        return HTTPClientRequest(url: url(path), method: method, headers: all, body: body, timeouts: timeouts)
    }

    /// The request of a chat call: streamed or not as `request` asks, with its timeouts, and a larger receive buffer
    /// when the caller reads the whole answer before using it (fewer reads and polls; such a transfer is short-lived,
    /// unlike a stream whose buffer is held as long as the client listens).
    func chatRequest(_ path: String, headers: [(String, String)], body: [UInt8], for request: ChatRequest)
        -> HTTPClientRequest
    {
        var httpRequest = jsonRequest(
            path, headers: headers + (request.stream ? [("Accept", "text/event-stream")] : []), body: body,
            timeouts: request.stream
                ? request.timeouts.chatStreamClientTimeouts : request.timeouts.oneShotClientTimeouts)
        if request.wholeAnswer { httpRequest.receiveBufferSize = Self.wholeAnswerReceiveBuffer }
        return httpRequest
    }

    /// The receive buffer of a transfer whose answer is read whole.
    static let wholeAnswerReceiveBuffer = 16 * 1024

    // MARK: Classification

    /// A transport failure or one of our timeouts. Out of line: it builds messages, and inlined into a streamed
    /// read its temporaries would sit in that read's async frame.
    @inline(never)
    func transportFailure(_ error: HTTPClientError, timeouts: ChatTimeouts) -> ProviderError {
        switch error {
        case .cancelled: return .cancelled
        case .connectTimeout:
            return failure(.timeout, "connect timeout: no connection within \(format(timeouts.connect))")
        case .firstByteTimeout:
            return failure(.timeout, "first token timeout: no response within \(format(timeouts.firstToken))")
        case .idleTimeout:
            return failure(.timeout, "idle timeout: nothing received for \(format(timeouts.idle))")
        case .totalTimeout:
            return failure(.timeout, "total timeout: the call took longer than \(format(timeouts.total))")
        case .connectionFailed: return failure(.error, "connection failed: \(error.message)")
        case .connectionClosed: return failure(.error, "connection closed before the response was complete")
        case .invalidResponse: return failure(.error, "invalid HTTP response: \(error.message)")
        case .bodyTooLarge: return failure(.error, "response too large: \(error.message)")
        case .shutdown: return failure(.error, "the HTTP client is shut down")
        default: return failure(.error, "\(error.name): \(error.message)")
        }
    }

    /// A non-2xx answer, classified per the SPEC: 401/403 auth, 404 not found, 429 rate limited (with its
    /// `Retry-After`), anything else an error. The message carries upstream's own message when it has one.
    func statusFailure(status: Int, headers: HTTPClientHeaders, body: [UInt8]) -> ProviderError {
        let detail = Self.upstreamMessage(body).map { ": \($0)" } ?? ""
        switch status {
        case 401, 403:
            return failure(.authError, "upstream refused the credentials (HTTP \(status))\(detail)", httpStatus: status)
        case 404:
            return failure(.notFound, "upstream has no such model or route (HTTP 404)\(detail)", httpStatus: status)
        case 429:
            let retryAfter = RetryAfter.parse(headers: headers, now: Date.now.timeIntervalSince1970)
            return failure(
                .rateLimited, "upstream rate limit (HTTP 429)\(detail)", httpStatus: status, retryAfter: retryAfter)
        default:
            return failure(.error, "upstream failed (HTTP \(status))\(detail)", httpStatus: status)
        }
    }

    /// A failure for a body that is not what the API promises.
    func invalidBody(_ what: String, _ body: [UInt8], httpStatus: Int? = nil) -> ProviderError {
        failure(.error, "invalid response: \(what): \(Self.printablePrefix(body))", httpStatus: httpStatus)
    }

    /// `error.message` (OpenAI, Anthropic), a string `error`, `message` or `detail` from a JSON error body;
    /// else the start of a text body. Truncated to a few hundred characters.
    static func upstreamMessage(_ body: [UInt8]) -> String? {
        if body.isEmpty { return nil }
        if let envelope = try? JSONDecoder().decode(UpstreamErrorEnvelope.self, from: Data(body)),
            let message = envelope.bestMessage, !message.isEmpty
        {
            return truncate(message)
        }
        let text = printablePrefix(body)
        return text.isEmpty ? nil : text
    }

    static func truncate(_ text: String, to limit: Int = 300) -> String {
        text.count <= limit ? text : String(text.prefix(limit)) + "…"
    }

    /// The start of `body` as text, control characters and invalid UTF-8 replaced, for error messages.
    static func printablePrefix(_ body: [UInt8], limit: Int = 200) -> String {
        var scalars = String.UnicodeScalarView()
        var count = 0
        for scalar in String(decoding: body.prefix(limit * 4), as: UTF8.self).unicodeScalars {
            if count == limit { break }
            scalars.append(scalar.value < 0x20 || scalar.value == 0x7F ? " " : scalar)
            count += 1
        }
        var text = String(scalars)
        while text.hasSuffix(" ") { text.removeLast() }
        while text.hasPrefix(" ") { text.removeFirst() }
        return count == limit || body.count > limit * 4 ? text + "…" : text
    }
}

/// The JSON shapes vendors use for errors: `{"error": {"message", "type", "code"}}` (OpenAI, Anthropic inside
/// `{"type": "error", …}`), `{"error": "text"}`, `{"message": …}`, `{"detail": …}` (NVIDIA, FastAPI servers).
struct UpstreamErrorEnvelope: Decodable {
    var error: UpstreamError?
    var message: String?
    var detail: String?

    var bestMessage: String? { error?.message ?? message ?? detail }

    enum CodingKeys: String, CodingKey { case error, message, detail }

    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        if let object = try? container.decodeIfPresent(UpstreamError.self, forKey: .error) {
            error = object
        } else if let text = try? container.decodeIfPresent(String.self, forKey: .error) {
            error = UpstreamError(message: text, type: nil, code: nil)
        }
        message = try? container.decodeIfPresent(String.self, forKey: .message)
        detail = try? container.decodeIfPresent(String.self, forKey: .detail)
    }
}

/// The `error` object of OpenAI and Anthropic bodies and stream events.
struct UpstreamError: Decodable, Sendable {
    var message: String?
    var type: String?
    /// OpenAI's `code` is a string, a number or null.
    var code: String?

    init(message: String?, type: String?, code: String?) {
        self.message = message
        self.type = type
        self.code = code
    }

    enum CodingKeys: String, CodingKey { case message, type, code }

    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        message = try? container.decodeIfPresent(String.self, forKey: .message)
        type = try? container.decodeIfPresent(String.self, forKey: .type)
        if let text = try? container.decodeIfPresent(String.self, forKey: .code) {
            code = text
        } else if let number = try? container.decodeIfPresent(Int.self, forKey: .code) {
            code = String(number)
        }
    }
}

/// `250ms`, `30s`, `1.5s`: the config's own duration form, for messages.
func format(_ duration: Duration) -> String {
    let (seconds, attoseconds) = duration.components
    let milliseconds = seconds * 1000 + attoseconds / 1_000_000_000_000_000
    if milliseconds < 1000 { return "\(milliseconds)ms" }
    if milliseconds % 1000 == 0 { return "\(milliseconds / 1000)s" }
    return "\(Double(milliseconds) / 1000)s"
}

extension ChatTimeouts {
    /// The client's limits for a streamed call: the response head must come within the first-token limit
    /// (the adapter also bounds the first token itself), chunks within `idle`, everything within `total`.
    var streamingClientTimeouts: HTTPClientTimeouts {
        HTTPClientTimeouts(connect: connect, firstByte: firstToken, idle: idle, total: total)
    }

    /// The client's limits for a streamed chat: those of ``streamingClientTimeouts`` plus the first-token limit
    /// on the first event, which the driver's timers keep (the reader marks the event, see `streamChat`).
    var chatStreamClientTimeouts: HTTPClientTimeouts {
        HTTPClientTimeouts(connect: connect, firstByte: firstToken, idle: idle, total: total, firstEvent: firstToken)
    }

    /// The client's limits for a call answered in one piece: the whole answer is the "first token", so it must
    /// be complete within `firstToken` (and `total`).
    var oneShotClientTimeouts: HTTPClientTimeouts {
        HTTPClientTimeouts(connect: connect, firstByte: firstToken, idle: idle, total: min(total, firstToken))
    }
}
