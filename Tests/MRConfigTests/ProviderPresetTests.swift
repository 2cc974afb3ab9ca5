import MRConfig
import Testing

@Suite("Provider presets")
struct ProviderPresetTests {
    @Test("the preset table")
    func table() throws {
        let expected: [(String, ProviderType, String, Int, String)] = [
            ("nvidia", .openai, "https://integrate.api.nvidia.com/v1", 40, "NVIDIA_API_KEY"),
            ("openai", .openai, "https://api.openai.com/v1", 0, "OPENAI_API_KEY"),
            ("anthropic", .anthropic, "https://api.anthropic.com/v1", 0, "ANTHROPIC_API_KEY"),
            ("openrouter", .openai, "https://openrouter.ai/api/v1", 0, "OPENROUTER_API_KEY"),
            ("groq", .openai, "https://api.groq.com/openai/v1", 0, "GROQ_API_KEY"),
        ]
        #expect(ProviderPreset.all.count == expected.count)
        for (id, type, url, rpm, variable) in expected {
            let preset = try #require(ProviderPreset.named(id))
            #expect(preset.type == type && preset.baseURL == url && preset.rpm == rpm)
            #expect(preset.apiKeyVariable == variable)
        }
        #expect(ProviderPreset.named("mistral") == nil)
    }

    @Test("`- id: nvidia` is a complete entry when NVIDIA_API_KEY is set")
    func presetWithVariable() throws {
        let config = try parse("providers:\n  - id: nvidia\n", environment: ["NVIDIA_API_KEY": "nvapi-1"])
        #expect(
            config.providers == [
                ProviderConfig(
                    id: "nvidia", type: .openai, baseURL: "https://integrate.api.nvidia.com/v1", apiKey: "nvapi-1",
                    rpm: 40)
            ])
    }

    @Test("a preset entry without its variable has no key but keeps the rest")
    func presetWithoutVariable() throws {
        let config = try parse("providers:\n  - id: anthropic\n  - id: groq\n")
        #expect(
            config.providers == [
                ProviderConfig(id: "anthropic", type: .anthropic, baseURL: "https://api.anthropic.com/v1"),
                ProviderConfig(id: "groq", type: .openai, baseURL: "https://api.groq.com/openai/v1"),
            ])
    }

    @Test("fields set explicitly win over the preset")
    func explicitOverride() throws {
        let yaml = """
            providers:
              - id: nvidia
                base_url: http://127.0.0.1:8999/v1
                rpm: 0
                api_key: ${MY_NVIDIA_KEY}
                discover: false
              - id: openai
                api_key: ${UNSET_KEY}
            """
        let config = try parse(
            yaml,
            environment: [
                "NVIDIA_API_KEY": "env-key", "MY_NVIDIA_KEY": "mine",
                "OPENAI_API_KEY": "sk-env",
            ])
        let nvidia = try #require(config.provider(id: "nvidia"))
        #expect(nvidia.baseURL == "http://127.0.0.1:8999/v1")
        #expect(nvidia.rpm == 0)
        #expect(nvidia.apiKey == "mine")
        #expect(nvidia.discover == false)
        #expect(nvidia.type == .openai)
        // An explicit `api_key` that expands to nothing means "no key", not "the preset's variable".
        #expect(config.provider(id: "openai")?.apiKey == nil)
    }

    @Test("a non-preset provider must give type, and base_url unless simulated")
    func customProviders() throws {
        let config = try parse(
            """
            providers:
              - id: vllm.lan
                type: openai
                base_url: http://10.0.0.5:8000/v1
              - id: demo_sim
                type: simulated
            """)
        #expect(config.providers.map(\.id) == ["vllm.lan", "demo_sim"])
        #expect(config.providers[1].baseURL == nil)
        #expect(config.providers[0].rpm == 0)

        let missingType = try #require(parseError("providers:\n  - id: vllm\n    base_url: http://h/v1\n"))
        #expect(missingType.kind == .missingKey)
        #expect(missingType.keyPath == "providers[0]")
        #expect(missingType.line == 2)
        #expect(missingType.message.contains("\"type\""))

        let missingURL = try #require(parseError("providers:\n  - id: vllm\n    type: anthropic\n"))
        #expect(missingURL.kind == .missingKey)
        #expect(missingURL.message.contains("\"base_url\""))
    }

    @Test("with no file, each preset whose key variable is set is enabled, in table order")
    func noFileEnablesPresets() throws {
        let environment = ["GROQ_API_KEY": "gsk", "OPENAI_API_KEY": "sk", "ANTHROPIC_API_KEY": "", "PATH": "/bin"]
        let config = try ConfigLoader.load(path: nil, environment: environment)
        #expect(config.providers.map(\.id) == ["openai", "groq"])
        #expect(config.provider(id: "groq")?.apiKey == "gsk")
        #expect(config.provider(id: "openai")?.baseURL == "https://api.openai.com/v1")
    }

    @Test("a file without `providers` keeps the preset defaults; an explicit list replaces them")
    func fileProvidersReplaceDefaults() throws {
        let environment = ["OPENAI_API_KEY": "sk"]
        #expect(try parse("probes:\n  workers: 2\n", environment: environment).providers.map(\.id) == ["openai"])
        #expect(try parse("providers: []\n", environment: environment).providers.isEmpty)
        #expect(try parse("providers:\n  - id: groq\n", environment: environment).providers.map(\.id) == ["groq"])
    }
}
