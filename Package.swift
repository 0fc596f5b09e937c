// swift-tools-version:6.2
import PackageDescription

// Dependencies are kept lean on purpose: a first debug build on a 2-core CI machine must stay
// well inside the test budget, so nothing here pulls in SwiftNIO. HTTP (client and TLS output
// streams) goes through libcurl; the simulator uses FlyingFox, a small async/await HTTP server.
let strict: [SwiftSetting] = [
    .swiftLanguageMode(.v6),
    .enableUpcomingFeature("ExistentialAny"),
]

let package = Package(
    name: "mdca-forwarder",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "mdca-forwarder", targets: ["mdca-forwarder"]),
        .executable(name: "mdca-simulator", targets: ["mdca-simulator"]),
        .library(name: "Simulator", targets: ["Simulator"]),
        // For the separate Benchmarks/ package (decode + format throughput).
        .library(name: "ActivityJSON", targets: ["ActivityJSON"]),
        .library(name: "Formats", targets: ["Formats"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        .package(url: "https://github.com/swhitty/FlyingFox", from: "0.27.1"),
        // Registry and text exposition for /metrics (it needs tools 6.2; brings only
        // swift-metrics' CoreMetrics and swift-atomics, no SwiftNIO).
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
    ],
    targets: [
        // C boundaries: module maps and non-variadic shims only.
        .systemLibrary(name: "CCurl", pkgConfig: "libcurl", providers: [.apt(["libcurl4-openssl-dev"])]),
        .systemLibrary(name: "CSystemd", pkgConfig: "libsystemd", providers: [.apt(["libsystemd-dev"])]),
        .systemLibrary(name: "CKafka", pkgConfig: "rdkafka", providers: [.apt(["librdkafka-dev"])]),
        // glibc's <malloc.h>; the only importer is POSIX's Heap.
        .systemLibrary(name: "CMalloc"),

        // The only importer of CCurl.
        .target(name: "Curl", dependencies: ["CCurl", "POSIX"], swiftSettings: strict),
        // The only importer of CKafka in the product: producer and delivery reports.
        .target(name: "Kafka", dependencies: ["CKafka", .product(name: "Logging", package: "swift-log")], swiftSettings: strict),
        // The only importer of CSystemd.
        .target(name: "Systemd", dependencies: ["CSystemd", "POSIX", .product(name: "Logging", package: "swift-log")], swiftSettings: strict),

        // Scan pages and activity records: the hot path, dependency-free.
        .target(name: "ActivityJSON", swiftSettings: strict),
        // The Activities and Alerts APIs: filters, auth, pacing, scan client, the alert paging planner.
        .target(name: "MDCA", dependencies: ["Curl", "ActivityJSON", "POSIX", .product(name: "Logging", package: "swift-log")], swiftSettings: strict),
        // The one errno gate for POSIX calls (Checkpoint's files, Outputs' sockets and files).
        .target(name: "POSIX", dependencies: ["CMalloc"], swiftSettings: strict),
        // etcd v3 over its JSON gateway (PRODUCT §13): codec, client, lease leadership. The only module that speaks to etcd.
        .target(name: "Etcd", dependencies: ["Curl"], swiftSettings: strict),
        // Cursor and crash-safe state file.
        .target(name: "Checkpoint", dependencies: ["POSIX"], swiftSettings: strict),
        // CEF, syslog headers, JSON lines, framing: pure functions.
        .target(name: "Formats", dependencies: ["ActivityJSON"], swiftSettings: strict),
        // Sinks: udp, tcp, tls, relp, file, stdout, kafka.
        .target(name: "Outputs", dependencies: ["Curl", "Kafka", "Formats", "POSIX", .product(name: "Logging", package: "swift-log")], swiftSettings: strict),
        // Config, pipeline, services.
        .target(name: "Forwarder", dependencies: [
            "MDCA", "Checkpoint", "Formats", "Outputs", "Systemd", "POSIX", "ActivityJSON", "Curl", "Etcd",
            .product(name: "Yams", package: "Yams"),
            .product(name: "Logging", package: "swift-log"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            .product(name: "UnixSignals", package: "swift-service-lifecycle"),
            .product(name: "Prometheus", package: "swift-prometheus"),
            .product(name: "FlyingFox", package: "FlyingFox"),
            .product(name: "FlyingSocks", package: "FlyingFox"),
        ], swiftSettings: strict),
        .executableTarget(name: "mdca-forwarder", dependencies: [
            "Forwarder", "MDCA", "Systemd", .product(name: "ArgumentParser", package: "swift-argument-parser"),
            .product(name: "Logging", package: "swift-log"),
        ], swiftSettings: strict),

        // The local Activities API (library for in-process tests, executable for users).
        .target(name: "Simulator", dependencies: [
            "ActivityJSON",
            .product(name: "FlyingFox", package: "FlyingFox"),
            .product(name: "FlyingSocks", package: "FlyingFox"),
            .product(name: "Logging", package: "swift-log"),
        ], swiftSettings: strict),
        .executableTarget(name: "mdca-simulator", dependencies: [
            "Simulator", .product(name: "ArgumentParser", package: "swift-argument-parser"),
            .product(name: "UnixSignals", package: "swift-service-lifecycle"),
        ], swiftSettings: strict),

        // A librdkafka mock cluster on loopback for `make bench` and manual trials (prints its
        // bootstrap servers, runs until stdin closes).
        .executableTarget(name: "mdca-kafka-mock", dependencies: ["Kafka", "KafkaTestSupport"], path: "Tests/KafkaMock", swiftSettings: strict),
        // Test-only librdkafka pieces, kept out of the shipped Kafka module: the mock cluster
        // and a consumer that reads a topic back (the one other importer of CKafka).
        .target(name: "KafkaTestSupport", dependencies: ["CKafka", "Kafka"], path: "Tests/KafkaTestSupport", swiftSettings: strict),

        // Shared test harnesses: receivers, child processes, temp dirs, rsyslog.
        .target(name: "TestSupport", path: "Tests/TestSupport", swiftSettings: strict),

        .testTarget(name: "CurlTests", dependencies: [
            "Curl", "POSIX", .product(name: "FlyingFox", package: "FlyingFox"), .product(name: "FlyingSocks", package: "FlyingFox"),
        ], swiftSettings: strict),
        .testTarget(name: "KafkaTests", dependencies: ["Kafka", "KafkaTestSupport"], swiftSettings: strict),
        .testTarget(name: "SystemdTests", dependencies: ["Systemd", .product(name: "Logging", package: "swift-log")], swiftSettings: strict),
        .testTarget(name: "ActivityJSONTests", dependencies: ["ActivityJSON", "Simulator"], swiftSettings: strict),
        .testTarget(name: "MDCATests", dependencies: [
            "MDCA", "Simulator", "ActivityJSON", "Curl", "POSIX", .product(name: "Logging", package: "swift-log"),
            .product(name: "InMemoryLogging", package: "swift-log"),
        ], swiftSettings: strict),
        .testTarget(name: "CheckpointTests", dependencies: ["Checkpoint"], swiftSettings: strict),
        .testTarget(name: "POSIXTests", dependencies: ["POSIX", "TestSupport"], swiftSettings: strict),
        .testTarget(name: "EtcdTests", dependencies: ["Etcd", "Curl", "TestSupport"], swiftSettings: strict),
        .testTarget(name: "FormatsTests", dependencies: ["Formats", "ActivityJSON", "Simulator"], swiftSettings: strict),
        .testTarget(name: "OutputsTests", dependencies: ["Outputs", "Formats", "TestSupport", "ActivityJSON"], swiftSettings: strict),
        .testTarget(name: "SimulatorTests", dependencies: ["Simulator", "ActivityJSON"], swiftSettings: strict),
        .testTarget(name: "ForwarderTests", dependencies: [
            "Forwarder", "Simulator", "TestSupport", "MDCA", "Outputs", "Checkpoint", "ActivityJSON", "Curl", "Kafka", "KafkaTestSupport", "Formats", "Etcd",
            .product(name: "Logging", package: "swift-log"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            .product(name: "ServiceLifecycleTestKit", package: "swift-service-lifecycle"),
        ], swiftSettings: strict),
        .testTarget(name: "EndToEndTests", dependencies: ["Simulator", "ActivityJSON", "Formats", "TestSupport"], swiftSettings: strict),
        // README, docs/, man pages and ops/ checked against the loader, --help and /metrics.
        .testTarget(name: "DocsTests", dependencies: [
            "Forwarder", "Simulator", "TestSupport", "Curl", .product(name: "Yams", package: "Yams"),
        ], swiftSettings: strict),
    ]
)
