// swift-tools-version:6.1
import PackageDescription

/// Strict settings for every target of ours (swift-log does the same).
let strict: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("InternalImportsByDefault"),
    // (release builds use -O: bounds and overflow checks stay on for hostile input)
]

let package = Package(
    name: "Verdict",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "verdict", targets: ["verdict"]),
        .library(name: "VerdictCore", targets: ["VerdictCore"]),
    ],
    dependencies: [
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/hummingbird-project/swift-mustache", from: "2.1.1"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
    ],
    targets: [
        // C libraries, namespaced so they never clash with another package's module.
        .systemLibrary(name: "VerdictLibCSV", providers: [.apt(["libcsv-dev"])]),
        .systemLibrary(name: "VerdictZlib", providers: [.apt(["zlib1g-dev"])]),
        .systemLibrary(name: "VerdictOpenSSL", providers: [.apt(["libssl-dev"])]),
        .systemLibrary(name: "VerdictCurl", pkgConfig: "libcurl", providers: [.apt(["libcurl4-openssl-dev"])]),
        // librsvg and cairo: the tests decode PNG images with cairo. (VerdictCore loads
        // librsvg and cairo at run time, when a chart is drawn as PNG: ChartRaster.)
        .systemLibrary(name: "VerdictRSVG", pkgConfig: "librsvg-2.0", providers: [.apt(["librsvg2-dev"])]),
        // PostgreSQL's client library, for `--db postgresql://...`.
        .systemLibrary(name: "VerdictLibPQ", pkgConfig: "libpq", providers: [.apt(["libpq-dev"])]),

        .target(
            name: "VerdictCore",
            dependencies: [
                "VerdictLibCSV", "VerdictZlib", "VerdictOpenSSL", "VerdictCurl", "VerdictLibPQ",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "GRDBSQLite", package: "GRDB.swift"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Mustache", package: "swift-mustache"),
                .product(name: "Yams", package: "Yams"),
            ],
            // Release builds skip the run-time exclusivity checks (debug builds and tests keep
            // them): 4.5% of the instructions of a lean ingest went to them.
            swiftSettings: strict + [.unsafeFlags(["-enforce-exclusivity=unchecked"], .when(configuration: .release))],
            plugins: ["EmbedResources"]
        ),
        // Compiles Queries/ and Reports/ into VerdictCore on every build.
        .executableTarget(name: "verdict-embed", swiftSettings: strict),
        .plugin(name: "EmbedResources", capability: .buildTool(), dependencies: ["verdict-embed"]),
        .executableTarget(
            name: "verdict",
            dependencies: [
                "VerdictCore",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict
        ),
        .testTarget(
            name: "VerdictCoreTests",
            dependencies: [
                "VerdictCore", "VerdictLibCSV", "VerdictRSVG",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Logging", package: "swift-log"),
            ],
            resources: [.copy("Fixtures")],
            swiftSettings: strict
        ),
    ],
    swiftLanguageModes: [.v6]
)
