import Testing

@Suite struct MRNotifyPlaceholderTests {
    @Test func targetBuilds() { #expect(Bool(true)) }
}
