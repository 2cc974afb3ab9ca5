#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// SplitMix64 (Steele, Lea and Flood): a tiny seedable generator whose sequence is the same on every
/// platform and run, which is what the simulator's determinism rests on. Not for anything secret.
package struct SplitMix64: RandomNumberGenerator, Sendable, Hashable {
    private var state: UInt64

    package init(seed: UInt64) {
        state = seed
    }

    /// The generator for one call: keyed by the provider's seed, the model and the call's index, so the
    /// nth call to a model behaves the same whatever happened to other models in between.
    package init(seed: UInt64, model: String, callIndex: UInt64) {
        var mixer = SplitMix64(seed: seed ^ StableHash.fnv1a(model))
        let base = mixer.next()
        self.init(seed: base &+ callIndex &* 0x9E37_79B9_7F4A_7C15)
        _ = next()
    }

    package mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// Uniform in [0, 1), from the top 53 bits.
    package mutating func nextUnit() -> Double {
        Double(next() >> 11) * 0x1.0p-53
    }

    /// Uniform in `range`; the tiny modulo bias is irrelevant here and keeps the draw count fixed
    /// (one `next()` per call), which keeps sequences stable.
    package mutating func nextInt(in range: ClosedRange<Int>) -> Int {
        let width = UInt64(range.upperBound - range.lowerBound) &+ 1
        guard width != 0 else { return Int(truncatingIfNeeded: next()) }
        return range.lowerBound + Int(next() % width)
    }

    /// Standard normal (Box–Muller, one value per two draws), clamped to ±4 so no sample is absurd.
    package mutating func nextNormal() -> Double {
        let u1 = max(nextUnit(), 0x1.0p-53)
        let u2 = nextUnit()
        let z = (-2 * log(u1)).squareRoot() * cos(2 * Double.pi * u2)
        return min(max(z, -4), 4)
    }
}

/// A string hash that, unlike `hashValue`, is the same in every process (FNV-1a, 64 bits).
package enum StableHash {
    package static func fnv1a(_ text: String) -> UInt64 {
        var hash: UInt64 = 0xCBF2_9CE4_8422_2325
        for byte in text.utf8 {
            hash ^= UInt64(byte)
            hash &*= 0x0000_0100_0000_01B3
        }
        return hash
    }
}

/// A log-normal delay: most samples near `median`, a long tail to the right whose weight `spread` sets
/// (the standard deviation of the logarithm; 0 means always exactly `median`).
package struct LogNormalDelay: Sendable, Hashable {
    package var median: Duration
    package var spread: Double

    package init(median: Duration, spread: Double = 0.3) {
        self.median = median
        self.spread = max(0, spread)
    }

    /// Always one normal draw, even when `spread` is 0, so the rest of a call's draws do not shift.
    package func sample(using generator: inout SplitMix64) -> Duration {
        let z = generator.nextNormal()
        return median * exp(spread * z)
    }
}
