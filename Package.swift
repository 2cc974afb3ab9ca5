// swift-tools-version: 6.0
// ModelRouter: a monitoring-first, self-hosted LLM gateway.
//
// Layers, bottom to top (see README "Architecture"):
//   C system libraries  CMicroHTTPD, CCurl, CSQLite        (modulemap + typed shims)
//   C wrappers          MRHTTPServer, MRHTTPClient, MRSQLite (no C type leaks out, no LLM knowledge)
//   shared values       MRCommon                             (durations, times)
//   web layer           MRWeb                                (routes, errors, JSON, query parsing)
//   domain              MRConfig, MRStore, MRProviders, MRCatalog, MRMetrics, MRProbes, MRRouting, MRNotify, MRAPI
//   wiring              MRApp  →  executable `modelrouter`
//   tests               MRTestSupport + one test target per library target
import PackageDescription

let package = Package(
    name: "modelrouter",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "modelrouter", targets: ["modelrouter"])
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.6.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.0.0"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.0.0"),
    ],
    targets: [
        // MARK: C system libraries
        .systemLibrary(
            name: "CMicroHTTPD", pkgConfig: "libmicrohttpd", providers: [.apt(["libmicrohttpd-dev"])]),
        .systemLibrary(name: "CCurl", pkgConfig: "libcurl", providers: [.apt(["libcurl4-openssl-dev"])]),
        .systemLibrary(name: "CSQLite", pkgConfig: "sqlite3", providers: [.apt(["libsqlite3-dev"])]),

        // MARK: Wrappers, one per C library
        .target(
            name: "MRHTTPServer",
            dependencies: ["CMicroHTTPD", "MRCommon", .product(name: "Logging", package: "swift-log")]),
        .target(
            name: "MRHTTPClient",
            dependencies: ["CCurl", "MRCommon", .product(name: "Logging", package: "swift-log")]),
        .target(name: "MRSQLite", dependencies: ["CSQLite"]),

        // MARK: Shared values and the web layer
        .target(name: "MRCommon"),
        .target(
            name: "MRWeb",
            dependencies: ["MRHTTPServer", "MRCommon", .product(name: "Logging", package: "swift-log")]),

        // MARK: Domain
        .target(name: "MRConfig", dependencies: ["MRCommon", "Yams"]),
        .target(
            name: "MRStore",
            dependencies: [
                "MRSQLite", "MRCommon", .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
            ]),
        .target(
            name: "MRProviders",
            dependencies: ["MRHTTPClient", "MRConfig", "MRCommon", .product(name: "Logging", package: "swift-log")]),
        .target(
            name: "MRCatalog",
            dependencies: [
                "MRProviders", "MRStore", "MRConfig", "MRCommon", .product(name: "Logging", package: "swift-log"),
            ]),
        .target(
            name: "MRMetrics", dependencies: ["MRCommon", .product(name: "Prometheus", package: "swift-prometheus")]),
        .target(
            name: "MRProbes",
            dependencies: [
                "MRCatalog", "MRProviders", "MRStore", "MRConfig", "MRCommon", "MRMetrics",
                .product(name: "Logging", package: "swift-log"),
            ]),
        .target(
            name: "MRRouting",
            dependencies: [
                "MRProbes", "MRCatalog", "MRProviders", "MRStore", "MRConfig", "MRCommon", "MRMetrics",
                .product(name: "Logging", package: "swift-log"),
            ]),
        .target(
            name: "MRNotify",
            dependencies: [
                "MRHTTPClient", "MRCatalog", "MRConfig", "MRCommon", .product(name: "Logging", package: "swift-log"),
            ]),
        .target(
            name: "MRAPI",
            dependencies: [
                "MRWeb", "MRStore", "MRConfig", "MRCommon", "MRCatalog", "MRProviders", "MRProbes", "MRRouting",
                "MRMetrics",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Crypto", package: "swift-crypto"),
            ]),

        // MARK: Wiring and the executable
        .target(
            name: "MRApp",
            dependencies: [
                "MRAPI", "MRWeb", "MRHTTPServer", "MRHTTPClient", "MRStore", "MRConfig", "MRCommon", "MRCatalog",
                "MRProviders", "MRProbes", "MRRouting", "MRMetrics", "MRNotify",
                .product(name: "Logging", package: "swift-log"),
            ]),
        .executableTarget(
            name: "modelrouter",
            dependencies: [
                "MRApp", "MRAPI", "MRConfig", "MRStore", "MRCommon", "MRProviders", "MRCatalog", "MRProbes",
                "MRMetrics", "MRHTTPClient",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ]),

        // MARK: Tests
        .target(
            name: "MRTestSupport",
            dependencies: [
                "MRApp", "MRHTTPServer", "MRHTTPClient", "MRConfig", "MRStore", "MRWeb", "MRProviders", "MRCatalog",
                "MRProbes", "MRRouting",
                .product(name: "Logging", package: "swift-log"),
            ]),
        .testTarget(
            name: "MRHTTPServerTests", dependencies: ["MRHTTPServer", "MRHTTPClient", "MRCommon", "MRTestSupport"]),
        .testTarget(name: "MRHTTPClientTests", dependencies: ["MRHTTPClient", "MRTestSupport"]),
        .testTarget(name: "MRSQLiteTests", dependencies: ["MRSQLite", "MRTestSupport"]),
        .testTarget(name: "MRConfigTests", dependencies: ["MRConfig", "MRCommon", "MRTestSupport"]),
        .testTarget(name: "MRStoreTests", dependencies: ["MRStore", "MRCommon", "MRTestSupport"]),
        .testTarget(name: "MRWebTests", dependencies: ["MRWeb", "MRHTTPServer", "MRTestSupport"]),
        .testTarget(name: "MRProvidersTests", dependencies: ["MRProviders", "MRTestSupport"]),
        .testTarget(
            name: "MRCatalogTests",
            dependencies: ["MRCatalog", "MRProviders", "MRAPI", "MRWeb", "MRHTTPServer", "MRStore", "MRTestSupport"]),
        .testTarget(
            name: "MRAPITests",
            dependencies: [
                "MRApp", "MRAPI", "MRStore", "MRConfig", "MRCommon", "MRTestSupport",
                .product(name: "Logging", package: "swift-log"),
            ]),
        .testTarget(name: "MRMetricsTests", dependencies: ["MRMetrics", "MRTestSupport"]),
        .testTarget(
            name: "MRProbesTests",
            dependencies: ["MRProbes", "MRCatalog", "MRProviders", "MRStore", "MRConfig", "MRTestSupport"]),
        .testTarget(
            name: "MRRoutingTests",
            dependencies: ["MRRouting", "MRProbes", "MRCatalog", "MRProviders", "MRConfig", "MRTestSupport"]),
        .testTarget(name: "MRNotifyTests", dependencies: ["MRNotify", "MRCatalog", "MRTestSupport"]),
    ],
    swiftLanguageModes: [.v6]
)
