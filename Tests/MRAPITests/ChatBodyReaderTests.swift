import MRCommon
import MRWeb
import Testing

@testable import MRAPI

/// The byte-level chat body reader answers only when it agrees with `JSONDecoder`, and answers for the bodies
/// clients really send.
@Suite struct ChatBodyReaderTests {
    /// What `JSONDecoder` makes of `text` (nil when it throws).
    func decoded(_ text: [UInt8]) -> ChatRequestBody? {
        try? JSONCoding.decode(ChatRequestBody.self, from: text)
    }

    static let readable: [String] = [
        #"{"model":"bench/fixed","messages":[{"role":"user","content":"Hello"}],"max_tokens":16}"#,
        #"{"model":"m","messages":[{"role":"system","content":"Be brief."},{"role":"user","content":"Hi"}],"#
            + #""temperature":0.7,"stream":true,"stream_options":{"include_usage":true}}"#,
        #"  {"model" : "auto" , "message":"x", "route":{"strategy":"cost","capability":"code","fallbacks":2}}  "#,
        #"{"model":"m","messages":[{"role":"user","content":[{"type":"text","text":"a"},{"type":"text","text":"b"}]}]}"#,
        #"{"model":"m","messages":[{"role":"user","content":[{"type":"image_url","image_url":{"url":"x"}}]}]}"#,
        #"{"model":"m","messages":[{"role":"user","content":null,"name":"bob"}],"n":1,"max_completion_tokens":5}"#,
        #"{"model":"m\/x","messages":[{"role":"user","content":"tab\tnl\nq\"bs\\u\u00e9 \ud83d\ude00 \u0000"}]}"#,
        #"{"model":"m","messages":[],"temperature":1,"tools":[{"type":"function","function":{"name":"f","parameters":{"a":[1,2.5e3,-0.1,true,false,null,{}]}}}]}"#,
        #"{"model":null,"messages":null,"stream":null,"route":null,"stream_options":null,"temperature":-0.0}"#,
        #"{"mod\u0065l":"escaped key","messages":[{"role":"user","content":"ünïcödé ✓"}]}"#,
        #"{}"#,
        #"{"temperature":2E-2,"max_tokens":-7,"user":"u","metadata":{"k":"v"}}"#,
    ]

    static let forJSONDecoder: [String] = [
        #"{"model":"a","model":"b"}"#,  // duplicate key
        #"{"max_tokens":16.0}"#,  // an integer written with a fraction
        #"{"max_tokens":1e2}"#,
        #"{"temperature":1e400}"#,  // overflow
        #"{"model":"\ud800"}"#,  // lone surrogate
        #"{"model":"a"} x"#,  // trailing garbage
        #"{"model":5}"#,  // type mismatch
        #"{"messages":[{"content":"no role"}]}"#,
        #"{"messages":[{"role":"user","content":7}]}"#,
        #"{"messages":[{"role":"user","content":[{"text":"no type"}]}]}"#,
        #"{"stream":"yes"}"#,
        #"{"model":"a",}"#,
        #"["model"]"#,
        #"{"model":"a""#,
        #"{"max_tokens":0123}"#,
        "{\"model\":\"raw\ttab\"}",
        "",
    ]

    @Test(arguments: readable)
    func readsWhatClientsSendExactlyAsJSONDecoder(_ text: String) throws {
        let bytes = Array(text.utf8)
        let fast = try #require(ChatBodyReader.read(bytes), "the reader gave up on \(text)")
        #expect(fast == decoded(bytes))
    }

    @Test(arguments: forJSONDecoder)
    func leavesTheUnusualToJSONDecoder(_ text: String) {
        #expect(ChatBodyReader.read(Array(text.utf8)) == nil)
    }

    @Test func invalidUTF8GoesToJSONDecoder() {
        let bytes = Array(#"{"model":""#.utf8) + [0xC3, 0x28] + Array(#""}"#.utf8)
        #expect(ChatBodyReader.read(bytes) == nil)
        #expect(decoded(bytes) == nil)
    }

    @Test func deepNestingGoesToJSONDecoder() {
        let deep = String(repeating: "[", count: 100) + String(repeating: "]", count: 100)
        #expect(ChatBodyReader.read(Array(#"{"x":\#(deep)}"#.utf8)) == nil)
        let shallow = String(repeating: "[", count: 10) + String(repeating: "]", count: 10)
        #expect(ChatBodyReader.read(Array(#"{"x":\#(shallow)}"#.utf8)) == ChatRequestBody())
    }

    /// Random bodies, then random damage to them: whenever the reader answers, `JSONDecoder` says the same.
    @Test func agreesWithJSONDecoderOnRandomAndDamagedBodies() {
        var random = SplitMix64(seed: 0x5EED)
        var readCount = 0
        for round in 0..<3_000 {
            var bytes = Array(Self.randomBody(&random).utf8)
            if round % 2 == 1 {
                for _ in 0...random.below(3) {
                    let position = random.below(bytes.count)
                    switch random.below(3) {
                    case 0: bytes[position] = Self.noise[random.below(Self.noise.count)]
                    case 1: bytes.remove(at: position)
                    default: bytes.insert(Self.noise[random.below(Self.noise.count)], at: position)
                    }
                }
            }
            guard let fast = ChatBodyReader.read(bytes) else { continue }
            readCount += 1
            #expect(fast == decoded(bytes), "disagree on \(String(decoding: bytes, as: UTF8.self))")
        }
        // Every undamaged body is read (and some damaged ones that stay valid JSON).
        #expect(readCount >= 1_500)
    }

    static let noise = Array(#"{}[]",:\u0e9 tfn-."#.utf8) + [0x00, 0x0A, 0xFF, 0xC3]

    static func randomBody(_ random: inout SplitMix64) -> String {
        func string(_ random: inout SplitMix64) -> String {
            let pieces = [
                "a", "Hello", " ", "\\n", "\\\"", "\\\\", "\\/", "\\u00e9", "\\ud83d\\ude00", "é", "✓", "\\t", "0",
            ]
            return "\"" + (0..<random.below(6)).map { _ in pieces[random.below(pieces.count)] }.joined() + "\""
        }
        func number(_ random: inout SplitMix64) -> String {
            ["0", "1", "-3", "0.5", "2.25e1", "1E-2", "123456", "-0.0", "7"][random.below(9)]
        }
        func value(_ random: inout SplitMix64, depth: Int) -> String {
            switch random.below(depth > 2 ? 4 : 6) {
            case 0: return string(&random)
            case 1: return number(&random)
            case 2: return ["true", "false", "null"][random.below(3)]
            case 3: return "\"x\""
            case 4:
                return "[" + (0..<random.below(3)).map { _ in value(&random, depth: depth + 1) }.joined(separator: ",")
                    + "]"
            default:
                return "{"
                    + (0..<random.below(3)).map { index in "\"k\(index)\":" + value(&random, depth: depth + 1) }
                    .joined(separator: ",") + "}"
            }
        }
        func content(_ random: inout SplitMix64) -> String {
            switch random.below(3) {
            case 0: return string(&random)
            case 1: return "null"
            default:
                return "["
                    + (0..<random.below(3)).map { _ in
                        random.below(3) == 0
                            ? #"{"type":"image_url","image_url":{"url":"u"}}"#
                            : #"{"type":"text","text":\#(string(&random))}"#
                    }.joined(separator: ",") + "]"
            }
        }
        var fields: [String] = []
        if random.below(4) > 0 { fields.append(#""model":\#(string(&random))"#) }
        if random.below(2) == 0 {
            let messages = (0..<random.below(4)).map { _ in
                let role = ["user", "system", "assistant", "developer", "tool"][random.below(5)]
                var message = #"{"role":"\#(role)","content":\#(content(&random))"#
                if random.below(3) == 0 { message += #","name":\#(string(&random))"# }
                return message + "}"
            }
            fields.append(#""messages":[\#(messages.joined(separator: ","))]"#)
        }
        if random.below(3) == 0 { fields.append(#""message":\#(string(&random))"#) }
        if random.below(3) == 0 { fields.append(#""temperature":\#(number(&random))"#) }
        if random.below(3) == 0 {
            fields.append(#""max_tokens":\#(["1", "16", "-2", "0", "1000000"][random.below(5)])"#)
        }
        if random.below(3) == 0 { fields.append(#""stream":\#(["true", "false", "null"][random.below(3)])"#) }
        if random.below(4) == 0 { fields.append(#""stream_options":{"include_usage":true}"#) }
        if random.below(4) == 0 { fields.append(#""route":{"strategy":"latency","fallbacks":1,"x":[1]}"#) }
        if random.below(3) == 0 { fields.append(#""extra":\#(value(&random, depth: 0))"#) }
        var shuffled: [String] = []
        while !fields.isEmpty { shuffled.append(fields.remove(at: random.below(fields.count))) }
        let space = [" ", "", "\n", "\t "][random.below(4)]
        return "{" + space + shuffled.joined(separator: "," + space) + "}"
    }
}
