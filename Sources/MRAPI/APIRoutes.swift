import MRWeb

/// The whole route table: every SPEC endpoint is declared here, built or not, so dispatch, OpenAPI and
/// the bot spec all come from one list. A declared but unbuilt endpoint answers 501 NOT_IMPLEMENTED.
public enum APIRoutes {
    public static func make(_ context: APIContext) -> [Route] {
        var routes =
            HealthRoutes.make(context) + KeyRoutes.make(context) + CatalogRoutes.make(context, health: context.health)
            + ProbeRoutes.make(context) + ReportRoutes.make(context) + AvailabilityRoutes.make(context)
            + ChatRoutes.make(context) + OpenAIRoutes.make(context)
            + MetricsRoutes.make(context) + declaredRoutes
        let documents = DiscoveryDocuments(routes: routes + DiscoveryDocuments.selfRoutes)
        routes += documents.servingRoutes()
        return routes
    }

    /// Endpoints of later issues, declared now so clients and documents see the whole surface.
    static let declaredRoutes: [Route] = [
        // Availability and probes
        Route(
            "POST", "/api/auth/signup", summary: "Create an account", access: .public, tag: "accounts",
            requestBody: "email, password", handler: .notImplemented),
        Route(
            "POST", "/api/auth/login", summary: "Log in; returns a session token", access: .public, tag: "accounts",
            requestBody: "email, password", handler: .notImplemented),
        Route(
            "GET", "/api/auth/verify", summary: "Verify an email address", access: .public, tag: "accounts",
            parameters: [.init("token", required: true, "from the verification link")], handler: .notImplemented),
        Route(
            "GET", "/api/auth/me", summary: "The calling account", access: .authenticated, tag: "accounts",
            handler: .notImplemented),
        Route(
            "GET", "/api/provider-keys", summary: "Your vendor keys (names only, never the keys)",
            access: .authenticated, tag: "accounts", handler: .notImplemented),
        Route(
            "POST", "/api/provider-keys", summary: "Store a vendor key (write-only, encrypted at rest)",
            access: .authenticated, tag: "accounts", requestBody: "provider, api_key", handler: .notImplemented),
        Route(
            "DELETE", "/api/provider-keys/{id}", summary: "Delete a vendor key", access: .authenticated,
            tag: "accounts", parameters: [.init("id", in: .path, required: true, "vendor key id")],
            handler: .notImplemented),
        Route(
            "GET", "/api/bots", summary: "Bot deployments with integration snippets", access: .authenticated,
            tag: "accounts", handler: .notImplemented),
        Route(
            "POST", "/api/bots", summary: "Create a bot deployment", access: .authenticated, tag: "accounts",
            requestBody: "name, model, route", handler: .notImplemented),
    ]
}
