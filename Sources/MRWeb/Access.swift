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

/// Turns a request's credentials into a principal. Called on a libmicrohttpd thread for every
/// non-public route, so it must be fast (in-memory or a cached indexed read).
public protocol Authenticator: Sendable {
    /// nil when the request carries no credentials at all; throws `APIError.authInvalid` for bad ones.
    func authenticate(_ request: HTTPRequest) throws -> Principal?
    /// Whether `server.public_catalog` opens the catalog routes.
    var publicCatalog: Bool { get }
}

extension HTTPRequest {
    /// The credential sent as `X-API-Key` or `Authorization: Bearer …`.
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
