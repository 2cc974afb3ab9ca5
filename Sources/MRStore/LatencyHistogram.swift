/// A latency histogram over fixed logarithmic buckets, so that p50/p95 can be read from hourly roll-ups
/// and histograms of any hours can be merged by adding counts.
///
/// Bucket 0 holds 0 ms; bucket `i` (1…160) holds `[2^((i-1)/8), 2^(i/8))` ms, eight buckets per
/// doubling, up to 2^20 ms (about 17 minutes; anything longer lands in the last bucket). A percentile is
/// answered with its bucket's geometric middle, clamped to the observed minimum and maximum, so it is
/// within `relativeError` (4.4 %) of the exact nearest-rank percentile, plus rounding to whole
/// milliseconds.
///
/// Stored sparsely: for each non-empty bucket, its index as one byte and its count as an unsigned LEB128
/// varint. An hour of probes of one deployment touches a handful of buckets, so a histogram costs about
/// 10–20 bytes on disk instead of 644 for the dense form. A bucket may appear more than once (its counts
/// add up), so two encodings merge by concatenation: that is how the ingest's `UPSERT` merges a batch
/// into an hourly row in SQL; the hourly upkeep re-encodes recent rows compactly.
public struct LatencyHistogram: Sendable, Hashable {
    /// Buckets per doubling of latency.
    public static let bucketsPerDoubling = 8
    /// Number of buckets, the zero bucket included.
    public static let bucketCount = 161
    /// The largest relative distance between a bucket's representative and any value in it:
    /// 2^(1/16) − 1.
    public static let relativeError = 0.0443

    /// Dense counts, `bucketCount` of them, or empty while nothing was added.
    public private(set) var counts: [UInt32] = []
    /// Values added.
    public private(set) var total: Int = 0

    public init() {}

    /// 2^(k/8) for k = 0…7: the bucket edges within one doubling.
    private static let edgesWithinDoubling: [Double] = [
        1.0, 1.0905077326652577, 1.189207115002721, 1.2968395546510096, 1.4142135623730951, 1.5422108254079407,
        1.681792830507429, 1.8340080864093424,
    ]

    /// 2^(1/16): from a bucket's lower edge to its geometric middle.
    private static let halfBucket = 1.0442737824274138

    /// The bucket a latency in milliseconds falls in.
    public static func bucket(for milliseconds: Int) -> Int {
        guard milliseconds >= 1 else { return 0 }
        // The power of two from the bit length, the eighth within it from the edge table: exact at the
        // integer edges (powers of two) and no floating-point logarithm.
        let exponent = Int.bitWidth - milliseconds.leadingZeroBitCount - 1
        let fraction = Double(milliseconds) / Double(1 << exponent)
        var eighth = 7
        while edgesWithinDoubling[eighth] > fraction { eighth -= 1 }
        return min(exponent * bucketsPerDoubling + eighth + 1, bucketCount - 1)
    }

    /// The lower edge of bucket `index` (≥ 1): 2^((index − 1)/8) ms.
    public static func lowerEdge(ofBucket index: Int) -> Double {
        let step = index - 1
        return Double(1 << (step / bucketsPerDoubling)) * edgesWithinDoubling[step % bucketsPerDoubling]
    }

    /// The value a bucket stands for: its geometric middle (0 for the zero bucket).
    public static func representative(ofBucket index: Int) -> Double {
        guard index > 0 else { return 0 }
        return lowerEdge(ofBucket: index) * halfBucket
    }

    /// Counts one latency.
    public mutating func add(_ milliseconds: Int) {
        if counts.isEmpty { counts = Array(repeating: 0, count: Self.bucketCount) }
        let index = Self.bucket(for: milliseconds)
        counts[index] &+= 1
        total += 1
    }

    /// Adds another histogram's counts to this one.
    public mutating func merge(_ other: LatencyHistogram) {
        guard other.total > 0 else { return }
        if counts.isEmpty {
            self = other
            return
        }
        for index in other.counts.indices where other.counts[index] != 0 {
            counts[index] &+= other.counts[index]
        }
        total += other.total
    }

    /// The nearest-rank percentile `fraction` (0…1), estimated from the buckets and clamped to
    /// `minimum`…`maximum` when those are known; nil when empty.
    public func percentile(_ fraction: Double, minimum: Int? = nil, maximum: Int? = nil) -> Int? {
        guard total > 0 else { return nil }
        let rank = max(1, Int((fraction * Double(total)).rounded(.up)))
        var seen = 0
        for index in counts.indices {
            seen += Int(counts[index])
            guard seen >= rank else { continue }
            var value = Self.representative(ofBucket: index)
            if let minimum { value = max(value, Double(minimum)) }
            if let maximum { value = min(value, Double(maximum)) }
            return Int(value.rounded())
        }
        return maximum
    }

    /// The exact nearest-rank percentile of `sorted` (ascending); nil when empty.
    public static func exactPercentile(_ fraction: Double, ofSorted sorted: [Int]) -> Int? {
        guard !sorted.isEmpty else { return nil }
        let rank = max(1, Int((fraction * Double(sorted.count)).rounded(.up)))
        return sorted[min(rank, sorted.count) - 1]
    }

    // MARK: Storage

    /// The compact sparse encoding (buckets in increasing order, each once); empty when nothing was added.
    public func encoded() -> [UInt8] {
        var bytes: [UInt8] = []
        guard total > 0 else { return bytes }
        bytes.reserveCapacity(16)
        for index in counts.indices where counts[index] != 0 {
            bytes.append(UInt8(index))
            var count = counts[index]
            while count >= 0x80 {
                bytes.append(UInt8(count & 0x7F) | 0x80)
                count >>= 7
            }
            bytes.append(UInt8(count))
        }
        return bytes
    }

    /// Decodes the sparse encoding. Malformed input (which only a damaged file could hold) yields what
    /// could be read rather than a crash: an out-of-range bucket or a truncated count ends the decoding.
    public init(encoded bytes: [UInt8]) {
        self.init()
        mergeEncoded(bytes)
    }

    /// Adds the counts of an encoded histogram without building another value first (the roll-up merge).
    mutating func mergeEncoded(_ bytes: [UInt8]) {
        guard !bytes.isEmpty else { return }
        if counts.isEmpty { counts = Array(repeating: 0, count: Self.bucketCount) }
        // Unsafe buffers: this runs for every histogram availability reads (two per deployment-hour), and
        // every index is checked against the bucket count before use.
        var added = 0
        bytes.withUnsafeBufferPointer { input in
            counts.withUnsafeMutableBufferPointer { buckets in
                var position = 0
                while position < input.count {
                    let index = Int(input[position])
                    position += 1
                    var count: UInt32 = 0
                    var shift: UInt32 = 0
                    var complete = false
                    while position < input.count, shift < 32 {
                        let byte = input[position]
                        position += 1
                        count |= UInt32(byte & 0x7F) << shift
                        if byte & 0x80 == 0 {
                            complete = true
                            break
                        }
                        shift += 7
                    }
                    guard complete, index < buckets.count else { return }
                    buckets[index] &+= count
                    added += Int(count)
                }
            }
        }
        total += added
    }
}
