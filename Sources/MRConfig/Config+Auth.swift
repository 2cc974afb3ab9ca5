/// Whether anyone may create an account through `/api/auth/signup`.
public enum SignupMode: String, Sendable, Hashable, CaseIterable {
    /// Anyone may sign up (email verification still applies).
    case open
    /// Only the admin creates accounts.
    case closed
}

/// The `auth` section: bootstrap credentials, the server secret and signup policy.
public struct AuthConfig: Sendable, Equatable {
    /// The environment variables the defaults read, as in the SPEC's example file.
    public static let adminKeyVariable = "MODELROUTER_ADMIN_KEY"
    public static let secretVariable = "MODELROUTER_SECRET"
    public static let smtpURLVariable = "MODELROUTER_SMTP_URL"

    /// Optional bootstrap admin API key.
    public var adminKey: String?
    /// Signs sessions and encrypts stored vendor keys.
    public var secret: String?
    /// Signup policy.
    public var signup: SignupMode
    /// `smtp://` or `smtps://` URL for verification mail; nil sends the links to the log instead.
    public var smtpURL: String?

    /// An auth section with explicit values (no environment lookup).
    public init(adminKey: String? = nil, secret: String? = nil, signup: SignupMode = .open, smtpURL: String? = nil) {
        self.adminKey = adminKey
        self.secret = secret
        self.signup = signup
        self.smtpURL = smtpURL
    }

    /// The defaults: `${MODELROUTER_ADMIN_KEY}`, `${MODELROUTER_SECRET}`, `${MODELROUTER_SMTP_URL}`
    /// (unset or empty means absent) and open signup.
    public static func defaults(environment: [String: String]) -> AuthConfig {
        func variable(_ name: String) -> String? {
            guard let value = environment[name], !value.isEmpty else { return nil }
            return value
        }
        return AuthConfig(
            adminKey: variable(adminKeyVariable), secret: variable(secretVariable), signup: .open,
            smtpURL: variable(smtpURLVariable))
    }
}

extension AuthConfig {
    static let keys = ["admin_key", "secret", "signup", "smtp_url"]

    /// Reads the section over `defaults`: keys absent from the file keep their default.
    init(from node: ConfigNode, defaults: AuthConfig) throws(ConfigError) {
        self = defaults
        let map = try node.mapping(allowedKeys: Self.keys)
        if let value = map["admin_key"] { adminKey = try value.optionalString() }
        if let value = map["secret"] { secret = try value.optionalString() }
        if let value = map["signup"] { signup = try value.choice(SignupMode.self) }
        if let value = map["smtp_url"] {
            smtpURL = try value.optionalString()
            if let url = smtpURL {
                guard url.hasPrefix("smtp://") || url.hasPrefix("smtps://"), url.count > "smtps://".count else {
                    // The URL may hold a password: do not echo it.
                    throw value.failure(.invalidValue, "must be an smtp:// or smtps:// URL")
                }
            }
        }
    }
}
