import MRHTTPServer

/// Who may call a route.
public enum Access: String, Sendable {
    /// Anyone.
    case `public`
    /// Any valid API key, session or the admin key.
    case authenticated
    /// Public when the operator sets `server.public_catalog`, else like `authenticated`.
    case catalog
    /// The admin key, or a key/account flagged admin.
    case admin
}

/// The caller, as established by an `Authenticator`.
public struct Principal: Sendable, Hashable {
    public enum Kind: String, Sendable { case adminKey = "admin_key", apiKey = "api_key", session }
    public var kind: Kind
    /// The key's or account's id (`admin` for the bootstrap key).
    public var id: String
    public var name: String
    public var isAdmin: Bool
    /// Requests per minute allowed for this caller; nil means unlimited.
    public var rpm: Int?

    public init(kind: Kind, id: String, name: String, isAdmin: Bool, rpm: Int? = nil) {
        self.kind = kind
        self.id = id
        self.name = name
        self.isAdmin = isAdmin
        self.rpm = rpm
    }
}

/// What an ``Authenticator`` can tell at once, from memory.
public enum Authentication: Sendable, Hashable {
    /// The caller (nil when the request carries no credentials at all).
    case known(Principal?)
    /// The credential must be checked against storage: ``Authenticator/lookUp(_:)`` does that, off the server's
    /// threads.
    case lookUp
}

/// Turns a request's credentials into a principal, in two steps so that no storage read ever runs on a server
/// thread (an event loop carries every other stream on it): ``authenticate(_:)`` runs there for every non-public
/// route and answers from memory, or asks for ``lookUp(_:)``, which the router awaits in a task of its own.
public protocol Authenticator: Sendable {
    /// From memory only; throws `APIError.authInvalid` for credentials known to be bad.
    func authenticate(_ request: HTTPRequest) throws -> Authentication
    /// The storage check `authenticate` asked for: the principal, nil without credentials, or
    /// `APIError.authInvalid`.
    func lookUp(_ request: HTTPRequest) async throws -> Principal?
    /// Whether `server.public_catalog` opens the catalog routes.
    var publicCatalog: Bool { get }
}

extension Authenticator {
    /// For authenticators that always answer from memory.
    public func lookUp(_ request: HTTPRequest) async throws -> Principal? {
        guard case .known(let principal) = try authenticate(request) else { throw APIError.authInvalid() }
        return principal
    }
}

extension HTTPRequest {
    /// The credential sent as `X-API-Key` or `Authorization: Bearer …`. With both, `X-API-Key` is the one used:
    /// a proxy in front of the router may add it for clients (OpenAI SDKs) that must send some bearer token.
    public var credential: String? {
        if let key = headers["X-API-Key"], !key.isEmpty { return key.trimmingSpaces }
        if let authorization = headers["Authorization"] {
            let parts = authorization.split(separator: " ", maxSplits: 1)
            if parts.count == 2, parts[0].lowercased() == "bearer" {
                let token = String(parts[1]).trimmingSpaces
                return token.isEmpty ? nil : token
            }
        }
        return nil
    }
}

extension String {
    var trimmingSpaces: String {
        var slice = Substring(self)
        while slice.first == " " || slice.first == "\t" { slice.removeFirst() }
        while slice.last == " " || slice.last == "\t" { slice.removeLast() }
        return String(slice)
    }
}
