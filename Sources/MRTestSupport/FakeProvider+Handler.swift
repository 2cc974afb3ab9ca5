import MRHTTPServer
import MRWeb

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// Routes a request, records it, and answers per the script.
struct FakeProviderHandler: HTTPHandler {
    let core: FakeProviderCore

    /// The fields of a request body the fake reacts to.
    struct RequestBody: Decodable {
        var model: String?
        var stream: Bool?
        var streamOptions: StreamOptions?
        var input: Input?

        struct StreamOptions: Decodable {
            var includeUsage: Bool?
            enum CodingKeys: String, CodingKey { case includeUsage = "include_usage" }
        }

        /// `input` is a string or a list of strings.
        struct Input: Decodable {
            var count: Int
            init(from decoder: any Decoder) throws {
                let container = try decoder.singleValueContainer()
                if let list = try? container.decode([String].self) { count = list.count } else { count = 1 }
            }
        }

        enum CodingKeys: String, CodingKey {
            case model, stream, input
            case streamOptions = "stream_options"
        }
    }

    /// A request is in flight from its arrival until the fake has produced all of its response (the last
    /// byte of a body, the end of a stream): never later than the client can see the answer end, so a
    /// client that starts its next request after reading one to its end is never counted twice.
    func handle(_ request: HTTPRequest) -> HTTPHandlerResult {
        switch respond(request) {
        case .response(let response):
            return .response(finishing(response))
        case .deferred(let work), .deferredOnLoop(let work):
            return .deferred { [self] in finishing(await work()) }
        }
    }

    /// Counts the request as finished once `response` is fully produced.
    private func finishing(_ response: HTTPResponse) -> HTTPResponse {
        let core = self.core
        guard case .stream(let body) = response.body else {
            core.state.withLock { $0.inFlight -= 1 }
            return response
        }
        var response = response
        let produce = body.produce
        response.body = .stream(
            HTTPStreamBody(heartbeat: body.heartbeat) { writer in
                defer { core.state.withLock { $0.inFlight -= 1 } }
                try await produce(writer)
            })
        return response
    }

    private func respond(_ request: HTTPRequest) -> HTTPHandlerResult {
        let route = Self.route(request)
        let body = try? JSONDecoder().decode(RequestBody.self, from: Data(request.body))
        let requiredKey = core.state.withLock { state -> String?? in
            state.requests.append(
                FakeRequest(
                    method: request.method, path: request.path, query: request.query,
                    headers: request.headers.map { (name: $0.name, value: $0.value) }, body: request.body,
                    route: route, model: body?.model))
            state.inFlight += 1
            state.maxInFlight = max(state.maxInFlight, state.inFlight)
            return .some(state.requiredKey)
        }
        guard let route else {
            return .response(Self.json(status: 404, FakeWire.openai.errorBody(status: 404, message: "no such route")))
        }
        let wire: FakeWire =
            route == .messages || (route == .models && request.headers["anthropic-version"] != nil)
            ? .anthropic : .openai
        if let key = requiredKey ?? nil {
            let sent =
                wire == .anthropic
                ? request.headers["x-api-key"] : request.headers["Authorization"].map { String($0.dropFirst(7)) }
            guard sent == key else {
                return .response(
                    Self.json(status: 401, wire.errorBody(status: 401, message: "invalid x-api-key or bearer token")))
            }
        }
        let model = body?.model ?? ""
        let behavior = core.behavior(route: route, model: body?.model)
        switch behavior {
        case .fail(let status, let message, let headers):
            var response = Self.json(status: status, wire.errorBody(status: status, message: message))
            for (name, value) in headers { response.headers.set(name, value) }
            return .response(response)
        case .rateLimited(let retryAfter):
            var response = Self.json(status: 429, wire.errorBody(status: 429, message: "rate limit reached, slow down"))
            response.headers.set("Retry-After", retryAfter)
            return .response(response)
        case .stall(.none):
            let core = self.core
            return .deferred {
                await core.stall()
                return Self.json(status: 503, wire.errorBody(status: 503, message: "stall released"))
            }
        default: break
        }
        switch route {
        case .models:
            if case .garbage = behavior { return .response(Self.garbage) }
            let list = core.state.withLock { state in
                wire == .openai
                    ? Self.openAIModels(state.models)
                    : Self.anthropicModels(state.models, query: request, pageSize: state.anthropicPageSize)
            }
            return .response(Self.json(status: 200, list.encoded()))
        case .embeddings:
            if case .garbage = behavior { return .response(Self.garbage) }
            return .response(Self.json(status: 200, Self.embeddings(model: model, count: body?.input?.count ?? 0)))
        case .chatCompletions, .messages:
            let stream = body?.stream ?? false
            let includeUsage = body?.streamOptions?.includeUsage ?? false
            return .response(
                stream
                    ? streamed(behavior, wire: wire, model: model, includeUsage: wire == .anthropic || includeUsage)
                    : oneShot(behavior, wire: wire, model: model))
        }
    }

    func serverError(_ error: HTTPServerError, request: HTTPRequest) -> HTTPResponse {
        Self.json(status: 503, FakeWire.openai.errorBody(status: 503, message: "\(error)"))
    }

    func requestCompleted(_ request: HTTPRequest, status: Int, duration: Duration) {
        core.state.withLock { $0.completed += 1 }
    }

    // MARK: Chat

    private func oneShot(_ behavior: FakeBehavior, wire: FakeWire, model: String) -> HTTPResponse {
        switch behavior {
        case .garbage:
            return Self.garbage
        case .cut, .stall, .streamError:
            // Half a JSON body, then a clean end: the client sees a complete HTTP body that does not parse.
            let full = wire.completion(model: model, answer: FakeAnswer()).encoded()
            let core = self.core
            let stall: Bool
            if case .stall = behavior { stall = true } else { stall = false }
            return HTTPResponse(
                status: 200, headers: ["Content-Type": "application/json"],
                body: .stream(
                    HTTPStreamBody { writer in
                        try await writer.write(Array(full.prefix(full.count / 2)))
                        if stall { await core.stall() }
                    }))
        case .answer(let answer):
            let bytes = wire.completion(model: model, answer: answer).encoded()
            guard answer.framing.pause > .zero || answer.framing.writes != .perEvent else {
                return Self.json(status: 200, bytes)
            }
            let framing = answer.framing
            return HTTPResponse(
                status: 200, headers: ["Content-Type": "application/json"],
                body: .stream(HTTPStreamBody { writer in try await framing.write(framing.pieces([bytes]), to: writer) })
            )
        case .fail, .rateLimited:
            preconditionFailure("answered before")
        }
    }

    private func streamed(_ behavior: FakeBehavior, wire: FakeWire, model: String, includeUsage: Bool) -> HTTPResponse {
        let core = self.core
        var answer = FakeAnswer()
        var events: [FakeWire.StreamEvent]
        var stallAtEnd = false
        switch behavior {
        case .answer(let scripted):
            answer = scripted
            events =
                wire.openingEvents(
                    model: model, answer: answer, tokens: answer.tokens.count, includeUsage: includeUsage)
                + wire.closingEvents(model: model, answer: answer, includeUsage: includeUsage)
        case .cut(let tokens):
            events = wire.openingEvents(model: model, answer: answer, tokens: tokens, includeUsage: includeUsage)
        case .stall(let tokens):
            events = wire.openingEvents(model: model, answer: answer, tokens: tokens ?? 0, includeUsage: includeUsage)
            stallAtEnd = true
        case .streamError(let tokens, let type, let message):
            events = wire.openingEvents(model: model, answer: answer, tokens: tokens, includeUsage: includeUsage)
            events.append(wire.streamErrorEvent(type: type, message: message))
        case .garbage:
            events = [
                FakeWire.StreamEvent(data: .null, raw: #"{"choices":[{"index":0,"delta":{"content":"oops"#)
            ]
        case .fail, .rateLimited:
            preconditionFailure("answered before")
        }
        let framing = answer.framing
        let bytes = events.enumerated().map { framing.render($0.element, index: $0.offset) }
        let stall = stallAtEnd
        return HTTPResponse(
            status: 200,
            headers: ["Content-Type": "text/event-stream; charset=utf-8", "Cache-Control": "no-cache"],
            body: .stream(
                HTTPStreamBody { writer in
                    try await framing.write(framing.pieces(bytes), to: writer)
                    if stall { await core.stall() }
                }))
    }

    // MARK: Other routes

    private static func route(_ request: HTTPRequest) -> FakeProvider.Route? {
        switch (request.method, request.path) {
        case ("GET", "/v1/models"): .models
        case ("POST", "/v1/chat/completions"): .chatCompletions
        case ("POST", "/v1/messages"): .messages
        case ("POST", "/v1/embeddings"): .embeddings
        default: nil
        }
    }

    private static func openAIModels(_ models: [FakeModel]) -> JSONValue {
        .object([
            ("object", "list"),
            (
                "data",
                .array(
                    models.map { model in
                        var fields: [(String, JSONValue)] = [
                            ("id", .string(model.id)), ("object", "model"), ("created", .int(FakeWire.created)),
                            ("owned_by", .string(model.ownedBy)),
                        ]
                        if let length = model.contextLength { fields.append(("context_length", .int(length))) }
                        return .object(fields)
                    })
            ),
        ])
    }

    /// One page, honouring `limit` and `after_id` like Anthropic's API.
    private static func anthropicModels(_ models: [FakeModel], query request: HTTPRequest, pageSize: Int) -> JSONValue {
        let limit = min(request.queryValue("limit").flatMap(Int.init) ?? 20, pageSize)
        var start = 0
        if let after = request.queryValue("after_id"), let index = models.firstIndex(where: { $0.id == after }) {
            start = index + 1
        }
        let page = Array(models[min(start, models.count)..<min(start + max(1, limit), models.count)])
        return .object([
            (
                "data",
                .array(
                    page.map { model in
                        .object([
                            ("type", "model"), ("id", .string(model.id)),
                            ("display_name", .string(model.displayName ?? model.id)),
                            ("created_at", "2025-02-19T00:00:00Z"),
                        ])
                    })
            ),
            ("has_more", .bool(start + page.count < models.count)),
            ("first_id", page.first.map { .string($0.id) } ?? .null),
            ("last_id", page.last.map { .string($0.id) } ?? .null),
        ])
    }

    private static func embeddings(model: String, count: Int) -> [UInt8] {
        JSONValue.object([
            ("object", "list"),
            (
                "data",
                .array(
                    (0..<count).reversed().map { index in  // out of order on purpose: clients must use `index`
                        .object([
                            ("object", "embedding"), ("index", .int(index)),
                            ("embedding", [.double(Double(index) + 0.5), .double(Double(count)), .double(0.25)]),
                        ])
                    })
            ),
            ("model", .string(model)),
            ("usage", .object([("prompt_tokens", .int(count * 3)), ("total_tokens", .int(count * 3))])),
        ]).encoded()
    }

    private static let garbage = HTTPResponse(
        status: 200, contentType: "application/json", bytes: Array("<html><body>502 Bad Gateway</body></html>".utf8))

    private static func json(status: Int, _ bytes: [UInt8]) -> HTTPResponse {
        HTTPResponse(status: status, contentType: "application/json", bytes: bytes)
    }
}
