import Foundation
import Testing

@testable import MRProviders

/// The chat body written as bytes says exactly what `JSONEncoder` would: same fields, same values, whatever
/// the text holds.
@Suite struct OpenAIWireBytesTests {
    static let bodies: [OpenAIWire.ChatBody] = [
        .init(model: "m", messages: [], temperature: nil, maxTokens: nil, stream: false, streamOptions: nil),
        .init(
            model: "vendor/model-1",
            messages: [.init(role: "system", content: "Be brief."), .init(role: "user", content: "Hi")],
            temperature: 0.2, maxTokens: 16, stream: true, streamOptions: .init(includeUsage: true)),
        .init(
            model: "m\"q",
            messages: [
                .init(
                    role: "user", content: "quote \" backslash \\ tab \t nl \n cr \r nul \u{0} bell \u{7} é 😀 \u{2028}")
            ],
            temperature: 1e-7, maxTokens: 0, stream: false, streamOptions: .init(includeUsage: false)),
    ]

    @Test(arguments: bodies.indices) func agreesWithJSONEncoder(_ index: Int) throws {
        let body = Self.bodies[index]
        let bytes = try #require(body.jsonBytes())
        let ours = try JSONSerialization.jsonObject(with: Data(bytes)) as? NSDictionary
        let reference = try JSONSerialization.jsonObject(with: JSONEncoder().encode(body)) as? NSDictionary
        #expect(ours != nil && ours == reference)
    }

    @Test func compactAndInFieldOrder() {
        let body = OpenAIWire.ChatBody(
            model: "m", messages: [.init(role: "user", content: "x")], temperature: 0.5, maxTokens: 1, stream: true,
            streamOptions: .init(includeUsage: true))
        #expect(
            body.jsonBytes().map { String(decoding: $0, as: UTF8.self) }
                == #"{"model":"m","messages":[{"role":"user","content":"x"}],"temperature":0.5,"stream":true,"max_tokens":1,"stream_options":{"include_usage":true}}"#
        )
    }

    @Test func nonFiniteTemperatureHasNoJSONForm() {
        for temperature in [Double.nan, .infinity, -.infinity] {
            let body = OpenAIWire.ChatBody(
                model: "m", messages: [], temperature: temperature, maxTokens: nil, stream: false, streamOptions: nil)
            #expect(body.jsonBytes() == nil)
        }
    }
}
