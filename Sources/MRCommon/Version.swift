/// The release this binary was built from; shown by `modelrouter version`, `/api/bot/spec` and the
/// User-Agent of outbound calls.
public enum ModelRouterVersion {
    public static let current = "0.1.0"
}
