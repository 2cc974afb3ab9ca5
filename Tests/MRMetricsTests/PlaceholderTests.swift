import Testing

@Suite struct MRMetricsPlaceholderTests {
    @Test func targetBuilds() { #expect(Bool(true)) }
}
