import MRConfig
import MRTestSupport

/// An OpenAI-compatible upstream that streams a token every 50 ms for about 20 s, far longer than any test
/// waits, and the service routing `drip/model` to it: for what happens to a stream cut short on either side.
enum DrippingUpstream {
    static func start() throws -> ScriptedTCPServer {
        try ScriptedTCPServer { connection in
            _ = try connection.readRequest()
            try connection.writeChunkedHead(headers: [("Content-Type", "text/event-stream")])
            for index in 0..<400 {
                try connection.writeChunk(
                    #"data: {"choices":[{"index":0,"delta":{"content":"t\#(index) "}}]}"# + "\n\n")
                try connection.pause(.milliseconds(50))
            }
        }
    }

    static func application(routingTo upstream: ScriptedTCPServer) async throws -> TestApplication {
        try await TestApplication { config in
            config.providers = [
                ProviderConfig(
                    id: "drip", type: .openai, baseURL: upstream.baseURL + "/v1", discover: false, probe: false,
                    models: [ModelOverride(id: "drip/model", capabilities: [.chat])])
            ]
        }
    }
}
