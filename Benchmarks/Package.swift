// swift-tools-version:6.1
import Foundation
import PackageDescription

// A separate package so that `make test` never builds benchmark code or its dependencies.
// Run it with `make bench` (release build). It measures with clock_gettime(CLOCK_THREAD_CPUTIME_ID)
// rather than ordo-one/benchmark: 1.38.1 needs ordo-one/swift-runtime-interposer on Swift 6.3
// Linux, which the package mirror of this build machine does not have.
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
