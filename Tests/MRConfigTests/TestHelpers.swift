import Foundation
import MRConfig
import MRTestSupport
import Testing

/// Parses `yaml` as the file `test.yaml`.
func parse(_ yaml: String, environment: [String: String] = [:]) throws(ConfigError) -> Config {
    try ConfigLoader.parse(yaml: yaml, file: "test.yaml", environment: environment)
}

/// The error parsing `yaml` fails with, or nil (recorded as an issue) if it parses.
func parseError(
    _ yaml: String, environment: [String: String] = [:], sourceLocation: SourceLocation = #_sourceLocation
) -> ConfigError? {
    do {
        let config = try parse(yaml, environment: environment)
        Issue.record("expected an error, parsed \(config)", sourceLocation: sourceLocation)
        return nil
    } catch {
        return error
    }
}
