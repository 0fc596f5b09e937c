// swift-tools-version:6.1
import Foundation
import PackageDescription

// A separate package so that `make test` never builds benchmark code or its dependencies.
// Run it with `make bench` (release build). A plain executable that measures one thread's CPU
// time (clock_gettime(CLOCK_THREAD_CPUTIME_ID)) and reports MB/s of page JSON: ordo-one/benchmark
// 1.38.1 resolves and builds here (with traits: ["MallocInterposer"]), but its plugin and tool
// add minutes of release build to every fresh `make bench`, and its throughput counts iterations,
// not bytes, so the figure asked for would need a custom metric anyway.
//
// The main package is the parent directory. A path dependency's identity is its directory name,
// which differs between clones and worktrees, so it is computed here.
let rootPackage = URL(fileURLWithPath: Context.packageDirectory).deletingLastPathComponent().lastPathComponent

let package = Package(
    name: "mdca-forwarder-benchmarks",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(path: ".."),
    ],
    targets: [
        .executableTarget(
            name: "decode-format-bench",
            dependencies: [
                .product(name: "ActivityJSON", package: rootPackage),
                .product(name: "Formats", package: rootPackage),
                .product(name: "Simulator", package: rootPackage),
            ],
            swiftSettings: [.swiftLanguageMode(.v6), .enableUpcomingFeature("ExistentialAny")]),
    ]
)
