import Logging
import MRHTTPServer
import MRTestSupport
import MRWeb
import Testing

/// Accepts `ar_good` (user) and `ar_admin` (admin) from memory, and `ar_stored` (user), `ar_stored_admin` (admin)
/// and `ar_stored_bad` (invalid) only through a look-up; anything else is invalid.
struct FixedAuthenticator: Authenticator {
    var publicCatalog = false
    func authenticate(_ request: HTTPRequest) throws -> Authentication {
        switch request.credential {
        case nil: return .known(nil)
        case "ar_good": return .known(Principal(kind: .apiKey, id: "k1", name: "good", isAdmin: false))
        case "ar_admin": return .known(Principal(kind: .apiKey, id: "k2", name: "admin", isAdmin: true))
        case let key? where key.hasPrefix("ar_stored"): return .lookUp
        default: throw APIError.authInvalid()
        }
    }

    func lookUp(_ request: HTTPRequest) async throws -> Principal? {
        switch request.credential {
        case "ar_stored": return Principal(kind: .apiKey, id: "k3", name: "stored", isAdmin: false)
        case "ar_stored_admin": return Principal(kind: .apiKey, id: "k4", name: "stored admin", isAdmin: true)
        default: throw APIError.authInvalid()
        }
    }
}

struct Boom: Error {}

func makeRouter(publicCatalog: Bool = false) -> Router {
    let echoPath: Route.Handler = .sync { request in
        .json(
            bytes: JSONValue.object(
                request.pathParameters.sorted { $0.key < $1.key }.map { ($0.key, .string($0.value)) }
            ).encoded())
    }
    var logger = Logger(label: "test")
    logger.logLevel = .critical
    return Router(
        routes: [
            Route(
                "GET", "/open", summary: "", access: .public, tag: "t",
                handler: .sync { _ in .json(bytes: Array("{}".utf8)) }),
            Route(
                "POST", "/open", summary: "", access: .public, tag: "t",
                handler: .sync { _ in .json(bytes: Array("{}".utf8)) }),
            Route(
                "GET", "/api/models/available", summary: "", access: .catalog, tag: "t",
                handler: .sync { _ in .json(bytes: Array(#"{"literal":true}"#.utf8)) }),
            Route("GET", "/api/models/{id...}", summary: "", access: .catalog, tag: "t", handler: echoPath),
            Route(
                "GET", "/api/availability/{model...}/history", summary: "", access: .authenticated, tag: "t",
                handler: echoPath),
            Route("GET", "/api/reports/{id}", summary: "", access: .authenticated, tag: "t", handler: echoPath),
            Route(
                "GET", "/admin", summary: "", access: .admin, tag: "t",
                handler: .sync { _ in .json(bytes: Array("{}".utf8)) }),
            Route("GET", "/boom", summary: "", access: .public, tag: "t", handler: .async { _ in throw Boom() }),
            Route(
                "GET", "/loop", summary: "", access: .authenticated, tag: "t",
                handler: .asyncOnLoop { _ in .json(bytes: Array("{}".utf8)) }),
            Route("GET", "/todo", summary: "", access: .public, tag: "t", handler: .notImplemented),
            Route(
                "POST", "/v1/chat/completions", summary: "", access: .authenticated, tag: "t", handler: .notImplemented),
        ], authenticator: FixedAuthenticator(publicCatalog: publicCatalog), logger: logger)
}

func run(_ router: Router, _ method: String, _ path: String, key: String? = nil) async -> (Int, String, HTTPHeaders) {
    var request = HTTPRequest(method: method, path: path)
    if let key { request.headers.add("X-API-Key", key) }
    let response = await router.handle(request).response()
    guard case .bytes(let bytes) = response.body else { return (response.status, "<stream>", response.headers) }
    return (response.status, String(decoding: bytes, as: UTF8.self), response.headers)
}

@Suite struct RouterTests {
    let router = makeRouter()

    @Test func unknownPathIs404InSpecShape() async {
        let (status, body, _) = await run(router, "GET", "/nope")
        #expect(status == 404)
        #expect(body == #"{"detail":"no route for /nope","error_code":"NOT_FOUND"}"#)
    }

    @Test func wrongMethodIs405WithAllow() async {
        let (status, body, headers) = await run(router, "DELETE", "/open")
        #expect(status == 405)
        #expect(body.contains("METHOD_NOT_ALLOWED"))
        #expect(headers["Allow"] == "GET, POST")
    }

    @Test func modelIdsWithSlashesMatchRestParameters() async {
        let (status, body, _) = await run(router, "GET", "/api/models/meta/llama-3.1-8b-instruct", key: "ar_good")
        #expect(status == 200)
        #expect(body == #"{"id":"meta/llama-3.1-8b-instruct"}"#)
        let (hStatus, hBody, _) = await run(router, "GET", "/api/availability/a/b/c/history", key: "ar_good")
        #expect(hStatus == 200)
        #expect(hBody == #"{"model":"a/b/c"}"#)
    }

    @Test func literalRoutesWinOverParameters() async {
        let (_, body, _) = await run(router, "GET", "/api/models/available", key: "ar_good")
        #expect(body == #"{"literal":true}"#)
    }

    @Test func restParameterNeedsAtLeastOneSegment() async {
        let (status, _, _) = await run(router, "GET", "/api/availability/history", key: "ar_good")
        #expect(status == 404)
    }

    @Test func authRequiredVersusInvalid() async {
        let (missing, missingBody, headers) = await run(router, "GET", "/api/reports/1")
        #expect(missing == 401)
        #expect(missingBody.contains("AUTH_REQUIRED"))
        #expect(headers["WWW-Authenticate"] == "Bearer")
        let (invalid, invalidBody, _) = await run(router, "GET", "/api/reports/1", key: "ar_bad")
        #expect(invalid == 401)
        #expect(invalidBody.contains("AUTH_INVALID"))
    }

    @Test func bearerHeaderWorksToo() async {
        var request = HTTPRequest(method: "GET", path: "/api/reports/7")
        request.headers.add("Authorization", "Bearer ar_good")
        guard case .response(let response) = router.handle(request) else { Issue.record("expected sync"); return }
        #expect(response.status == 200)
    }

    @Test func adminRoutesNeedAdmin() async {
        #expect(await run(router, "GET", "/admin", key: "ar_good").0 == 403)
        #expect(await run(router, "GET", "/admin", key: "ar_admin").0 == 200)
    }

    @Test func credentialsNeedingALookUpAreCheckedInATask() async {
        var request = HTTPRequest(method: "GET", path: "/api/reports/7")
        request.headers.add("X-API-Key", "ar_stored")
        // Even a synchronous route is answered from a task: the look-up must not run on the server's thread.
        guard case .deferred = router.handle(request) else {
            Issue.record("expected the look-up to be deferred")
            return
        }
        let (status, body, _) = await run(router, "GET", "/api/reports/7", key: "ar_stored")
        #expect(status == 200)
        #expect(body == #"{"id":"7"}"#)
        let (invalid, invalidBody, _) = await run(router, "GET", "/api/reports/7", key: "ar_stored_bad")
        #expect(invalid == 401)
        #expect(invalidBody.contains("AUTH_INVALID"))
        #expect(await run(router, "GET", "/admin", key: "ar_stored").0 == 403)
        #expect(await run(router, "GET", "/admin", key: "ar_stored_admin").0 == 200)
        #expect(await run(router, "GET", "/todo", key: "ar_stored").0 == 501)
        // A route that runs on the event loop still does after a look-up (the look-up only suspends).
        var onLoop = HTTPRequest(method: "GET", path: "/loop")
        onLoop.headers.add("X-API-Key", "ar_stored")
        guard case .deferredOnLoop = router.handle(onLoop) else {
            Issue.record("expected the loop route to stay on the loop")
            return
        }
        #expect(await run(router, "GET", "/loop", key: "ar_stored").0 == 200)
        #expect(await run(router, "GET", "/boom", key: "ar_stored").0 == 500)
        // An open catalog ignores a credential that turns out bad, as it does one known bad at once.
        let open = makeRouter(publicCatalog: true)
        #expect(await run(open, "GET", "/api/models/x/y", key: "ar_stored_bad").0 == 200)
        #expect(await run(open, "GET", "/api/models/x/y", key: "ar_bad").0 == 200)
    }

    @Test func publicCatalogOpensCatalogRoutesOnly() async {
        let open = makeRouter(publicCatalog: true)
        #expect(await run(open, "GET", "/api/models/x/y").0 == 200)
        #expect(await run(open, "GET", "/api/reports/1").0 == 401)
        #expect(await run(router, "GET", "/api/models/x/y").0 == 401)
    }

    @Test func uncaughtErrorsAre500WithRequestID() async {
        let (status, body, _) = await run(router, "GET", "/boom")
        #expect(status == 500)
        #expect(body.contains("INTERNAL"))
        #expect(body.contains("test"))  // the request id
    }

    @Test func declaredButUnbuiltIs501() async {
        let (status, body, _) = await run(router, "GET", "/todo")
        #expect(status == 501)
        #expect(body.contains("NOT_IMPLEMENTED"))
    }

    @Test func v1RoutesUseOpenAIErrorShape() async {
        let (status, body, _) = await run(router, "POST", "/v1/chat/completions")
        #expect(status == 401)
        #expect(body.hasPrefix(#"{"error":{"message":"#))
        #expect(body.contains(#""type":"authentication_error""#))
        #expect(body.contains(#""code":"AUTH_REQUIRED""#))
        let (missing, missingBody, _) = await run(router, "GET", "/v1/nothing")
        #expect(missing == 404)
        #expect(missingBody.contains(#""code":"NOT_FOUND""#))
    }
}

@Suite struct QueryParameterTests {
    @Test func validatesIntegers() throws {
        let query = QueryParameters([("workers", "4"), ("bad", "four"), ("big", "999")])
        #expect(try query.int("workers", in: 1...64) == 4)
        #expect(try query.int("missing", in: 1...64) == nil)
        #expect(throws: APIError.self) { try query.int("bad", in: 1...64) }
        do {
            _ = try query.int("big", in: 1...64)
            Issue.record("expected a range error")
        } catch let error as APIError {
            #expect(error.status == 400)
            #expect(error.errorCode == "VALIDATION_ERROR")
            #expect(error.detail.contains("'big'"))
            #expect(error.detail.contains("between 1 and 64"))
        }
    }

    @Test func validatesEnumsBoolsStringsAndNumbers() throws {
        let query = QueryParameters([
            ("cap", "chat"), ("flag", "yes"), ("long", String(repeating: "x", count: 20)), ("t", "nan"),
        ])
        #expect(try query.oneOf("cap", ["chat", "code"]) == "chat")
        #expect(throws: APIError.self) { try query.oneOf("cap", ["code"]) }
        #expect(try query.bool("flag") == true)
        #expect(throws: APIError.self) { try query.string("long", maxLength: 10) }
        #expect(throws: APIError.self) { try query.double("t", in: 0...2) }
        #expect(throws: APIError.self) { try query.requiredString("absent") }
    }
}

@Suite struct JSONBodyTests {
    struct Body: Decodable {
        var name: String
        var count: Int
        var nested: Nested?
        struct Nested: Decodable { var flag: Bool }
    }

    @Test(arguments: [
        ("", "a JSON request body is required"),
        ("{not json", "not valid JSON"),
        (#"{"count": 1}"#, "missing field 'name'"),
        (#"{"name": 1, "count": 1}"#, "field 'name' must be a string"),
        (#"{"name": "a", "count": "x"}"#, "field 'count' must be an integer"),
        (#"{"name": "a", "count": 1, "nested": {"flag": "no"}}"#, "field 'nested.flag' must be a boolean"),
        (#"[1,2]"#, "must be an object"),
    ])
    func explainsWhatIsWrong(input: String, expected: String) {
        do {
            _ = try JSONCoding.decode(Body.self, from: Array(input.utf8))
            Issue.record("decoded invalid input \(input)")
        } catch let error as JSONBodyError {
            #expect(error.detail.contains(expected), "\(error.detail)")
        } catch {
            Issue.record("unexpected \(error)")
        }
    }

    @Test(arguments: [
        ("", #""""#), ("plain/model-id", #""plain/model-id""#), ("\"lead", #""\"lead""#),
        ("trail\\", #""trail\\""#), ("a\tb\rc\u{1F}", #""a\tb\rc\u001f""#), ("ünï\ncödé", #""ünï\ncödé""#),
    ])
    func writerEscapesOnlyWhatJSONNeeds(input: String, expected: String) {
        var bytes: [UInt8] = []
        JSONWriter.appendString(input, to: &bytes)
        #expect(String(decoding: bytes, as: UTF8.self) == expected)
    }

    @Test func writerEscapesControlCharacters() {
        var writer = JSONWriter()
        writer.object { $0.field("s", "a\"b\\c\n\u{01}é") }
        #expect(String(decoding: writer.bytes, as: UTF8.self) == #"{"s":"a\"b\\c\n\u0001é"}"#)
    }
}

@Suite struct DurationQueryTests {
    @Test(arguments: [("250ms", 250), ("4s", 4000), ("2", 2000), ("1m", 60000)])
    func acceptsTheConfigForm(text: String, milliseconds: Int64) throws {
        let value = try QueryParameters([("timeout", text)]).duration("timeout", in: .zero ... .seconds(600))
        #expect(value == .milliseconds(milliseconds))
    }

    @Test(arguments: ["-1s", "abc", "5 parsecs", "11m", "0.5x"])
    func rejectsBadOrOutOfRange(text: String) {
        #expect(throws: APIError.self) {
            _ = try QueryParameters([("timeout", text)]).duration("timeout", in: .zero ... .seconds(600))
        }
    }
}
