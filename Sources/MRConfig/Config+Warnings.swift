import MRCommon

extension Config {
    /// Settings that are valid but probably not what the operator meant, one sentence each, for
    /// `check-config` and the start-up log. Empty for the defaults.
    public var warnings: [String] {
        var warnings: [String] = []
        for provider in providers where provider.apiKey == nil {
            if let preset = ProviderPreset.named(provider.id), provider.type == preset.type {
                warnings.append(
                    "providers.\(provider.id): no API key (set \(preset.apiKeyVariable) or api_key); "
                        + "only users' own keys will work")
            }
        }
        if probes.degradedAfter >= probes.timeout {
            warnings.append(
                "probes.degraded_after (\(probes.degradedAfter.formattedShort)) is not shorter than probes.timeout "
                    + "(\(probes.timeout.formattedShort)): no probe can be degraded")
        }
        for (name, timeout) in [
            ("first_token_timeout", routing.firstTokenTimeout), ("idle_timeout", routing.idleTimeout),
        ] where timeout > routing.requestTimeout {
            warnings.append(
                "routing.\(name) (\(timeout.formattedShort)) is longer than routing.request_timeout "
                    + "(\(routing.requestTimeout.formattedShort)), which ends the call first")
        }
        return warnings
    }
}
