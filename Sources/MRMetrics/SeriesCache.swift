import Synchronization

/// The label values of one series, up to three of them (every ModelRouter family has at most three labels).
struct SeriesKey: Hashable, Sendable {
    var first: String
    var second: String = ""
    var third: String = ""
}

/// The series of one labeled family, made on first use and found again by label values.
///
/// swift-prometheus' registry can find a series too, but each lookup there allocates a label array and takes
/// the registry-wide lock; this cache keeps the hot paths (every HTTP request, every upstream call) to one
/// small lock and one dictionary probe.
final class SeriesCache<Series: AnyObject & Sendable>: Sendable {
    private let series = Mutex<[SeriesKey: Series]>([:])
    private let make: @Sendable (SeriesKey) -> Series
    private let unregister: @Sendable (Series) -> Void

    /// - Parameters:
    ///   - make: registers the series for a key with the registry (called under this cache's lock).
    ///   - unregister: removes a series from the registry, for ``remove(where:)``.
    init(make: @escaping @Sendable (SeriesKey) -> Series, unregister: @escaping @Sendable (Series) -> Void) {
        self.make = make
        self.unregister = unregister
    }

    /// The series for `key`, registered now if it is new.
    func callAsFunction(_ key: SeriesKey) -> Series {
        series.withLock { cache in
            if let hit = cache[key] { return hit }
            let made = make(key)
            cache[key] = made
            return made
        }
    }

    /// Drops (and unregisters) every series whose key matches, e.g. a deployment that left the catalog.
    func remove(where matches: (SeriesKey) -> Bool) {
        let removed = series.withLock { cache -> [Series] in
            let keys = cache.keys.filter(matches)
            return keys.compactMap { cache.removeValue(forKey: $0) }
        }
        for series in removed { unregister(series) }
    }

    /// Every key made so far.
    var keys: [SeriesKey] { series.withLock { Array($0.keys) } }
}
