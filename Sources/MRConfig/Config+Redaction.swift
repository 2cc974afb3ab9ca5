// Secrets in the configuration (admin key, server secret, SMTP URL with its password, metrics token, vendor
// keys) must never reach a log by accident: printing a configuration value shows whether each is set, not
// what it is. Both description protocols are implemented because reflection-based printing of a
// containing value (`print(config)`, string interpolation) uses the debug one.

private func redacted(_ secret: String?) -> String {
    secret == nil ? "nil" : "<redacted>"
}

extension ServerConfig: CustomStringConvertible, CustomDebugStringConvertible {
    public var description: String {
        "ServerConfig(listen: \(listen), maxBodyBytes: \(maxBodyBytes), publicCatalog: \(publicCatalog), "
            + "metricsToken: \(redacted(metricsToken)))"
    }
    public var debugDescription: String { description }
}

extension AuthConfig: CustomStringConvertible, CustomDebugStringConvertible {
    public var description: String {
        "AuthConfig(adminKey: \(redacted(adminKey)), secret: \(redacted(secret)), signup: \(signup.rawValue), "
            + "smtpURL: \(redacted(smtpURL)))"
    }
    public var debugDescription: String { description }
}

extension ProviderConfig: CustomStringConvertible, CustomDebugStringConvertible {
    public var description: String {
        "ProviderConfig(id: \(id), type: \(type.rawValue), baseURL: \(baseURL ?? "nil"), "
            + "apiKey: \(redacted(apiKey)), rpm: \(rpm), discover: \(discover), probe: \(probe), "
            + "models: \(models.count))"
    }
    public var debugDescription: String { description }
}
