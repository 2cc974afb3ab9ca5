import MRCatalog
import MRConfig
import Testing

@Suite struct IdentityTests {
    @Test(
        arguments: [
            // An upstream id with a publisher is the model id.
            ("meta/llama-3.1-8b-instruct", nil, ProviderType.openai, "nvidia", "meta/llama-3.1-8b-instruct"),
            ("meta/llama-3.1-8b-instruct", "someone", .openai, "nvidia", "meta/llama-3.1-8b-instruct"),
            // owned_by names the publisher, normalized.
            ("gpt-4o", "openai", .openai, "openai", "openai/gpt-4o"),
            ("llama-3.1-8b-instant", "Meta", .openai, "groq", "meta/llama-3.1-8b-instant"),
            ("mixtral", "Mistral AI", .openai, "together", "mistral-ai/mixtral"),
            ("gpt-4o-mini", "openai-internal", .openai, "azure", "openai/gpt-4o-mini"),
            // Generic owners and no owner fall back to the provider id.
            ("gpt-4o", "system", .openai, "openai", "openai/gpt-4o"),
            ("local-model", nil, .openai, "vllm", "vllm/local-model"),
            // Anthropic models are Anthropic's.
            ("claude-3-5-sonnet-20241022", nil, .anthropic, "anthropic", "anthropic/claude-3-5-sonnet-20241022"),
            ("claude-3-haiku", "system", .anthropic, "work-anthropic", "anthropic/claude-3-haiku"),
            // A slash without a publisher before it is not a publisher.
            ("/odd", nil, .openai, "p", "p//odd"),
        ] as [(String, String?, ProviderType, String, String)])
    func modelID(upstream: String, ownedBy: String?, type: ProviderType, provider: String, expected: String) {
        #expect(
            ModelIdentity.modelID(upstreamID: upstream, ownedBy: ownedBy, providerType: type, providerID: provider)
                == expected)
    }

    @Test func publisherAndNameSplitAtTheFirstSlash() {
        #expect(ModelIdentity.publisher(of: "meta/llama-3.1-8b-instruct") == "meta")
        #expect(ModelIdentity.name(of: "meta/llama-3.1-8b-instruct") == "llama-3.1-8b-instruct")
        #expect(ModelIdentity.publisher(of: "a/b/c") == "a")
        #expect(ModelIdentity.name(of: "a/b/c") == "b/c")
        #expect(ModelIdentity.publisher(of: "plain") == nil)
        #expect(ModelIdentity.name(of: "plain") == "plain")
    }
}

@Suite struct CapabilityInferenceTests {
    @Test(
        arguments: [
            ("meta/llama-3.1-8b-instruct", [], [Capability.chat]),
            ("nvidia/nv-embedqa-e5-v5", [], [.embedding]),
            ("openai/text-embedding-3-small", [], [.embedding]),
            ("nvidia/nv-embed-vl-1b", [], [.embedding]),  // embed wins over vl
            ("meta/llama-3.2-11b-vision-instruct", [], [.chat, .vision]),
            ("qwen/qwen2-vl-7b-instruct", [], [.chat, .vision]),
            ("microsoft/phi-3-v-128k", [], [.chat, .vision]),
            ("liuhaotian/llava-v1.6-mistral-7b", [], [.chat, .vision]),
            ("mistralai/pixtral-12b", [], [.chat, .vision]),
            ("openai/gpt-4o", ["modalities:text+image"], [.chat, .vision]),
            ("acme/omni", ["multimodal"], [.chat, .vision]),
            ("mistralai/codestral-22b-instruct-v0.1", [], [.chat, .code]),
            ("bigcode/starcoder2-15b", [], [.chat, .code]),
            ("deepseek-ai/deepseek-coder-6.7b-instruct", [], [.chat, .code]),
            ("meta/codellama-70b", [], [.chat, .code]),
            ("ibm/granite-34b-code-instruct", [], [.chat, .code]),
            ("google/t5-encoder", [], [.chat]),  // "encoder" is not "coder"
            ("acme/decoder-only", [], [.chat]),
            ("acme/vlm-coder-v", [], [.chat, .code, .vision]),
            ("together/m2-bert-80M-8k-retrieval", ["type:embedding"], [.embedding]),
            ("acme/plain", ["type:code"], [.chat, .code]),
            ("acme/available-model", [], [.chat]),  // "vl" inside a word is not a vision word
        ] as [(String, [String], [Capability])])
    func inference(id: String, hints: [String], expected: [Capability]) {
        #expect(CapabilityInference.infer(id: id, hints: hints) == expected)
    }

    @Test func declaredCapabilitiesAreAdded() {
        #expect(CapabilityInference.infer(id: "anthropic/claude-3-opus", declared: [.vision]) == [.chat, .vision])
        #expect(CapabilityInference.infer(id: "x/embedder", declared: [.vision]) == [.vision, .embedding])
        #expect(CapabilityInference.infer(id: "x/chat", declared: [.chat, .chat]) == [.chat])
    }
}
