import Testing

@Suite struct MRRoutingPlaceholderTests {
    @Test func targetBuilds() { #expect(Bool(true)) }
}
