import ArgumentParser
import Foundation
import Simulator
import UnixSignals

/// `mdca-simulator`: a local Activities API (PRODUCT §8). Thin: parse, start, print the
/// listening line, wait for SIGINT/SIGTERM.
@main
struct SimulatorCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "mdca-simulator",
        abstract: "A local Microsoft Defender for Cloud Apps Activities API with seeded fake data.",
        discussion: "Prints 'listening on http://HOST:PORT' as its first line, then serves until SIGINT or SIGTERM.")

    @Option(help: "Address to listen on, HOST:PORT ([::1]:PORT for IPv6). Port 0 picks a free port.")
    var listen = "127.0.0.1:8081"
    @Flag(help: "Allow a non-loopback --listen address (the simulator serves fake data with a known token).")
    var allowRemote = false
    @Option(help: "Number of backlog activities.") var activities = 1000
    @Option(help: "Seed of all generated data and faults.") var seed: UInt64 = 1
    @Option(help: "Legacy API token accepted as 'Authorization: Token <T>'.") var token = "sim-token"
    @Option(name: .customLong("client-id"), help: "Entra application (client) id accepted by the token endpoint.")
    var clientID: String?
    @Option(help: "Entra client secret (visible in the process list: prefer --client-secret-file).")
    var clientSecret: String?
    @Option(help: "File holding the Entra client secret (trailing newline ignored).") var clientSecretFile: String?
    @Option(help: "Lifetime of issued Entra access tokens, in seconds.") var entraTokenLifetime = 3599
    @Option(help: "Requests per minute allowed before 429 (0 = unlimited).") var throttleRPM = 0
    @Option(help: "How --throttle-rpm counts: bucket (token bucket) or rolling-window (arrivals in any rolling 60 s).")
    var throttleMode = "bucket"
    @Option(help: "Seconds: each API request waits a random 0..this before it is counted and answered (network jitter).")
    var arrivalJitter = 0.0
    @Option(help: "Retry-After on 429: always, sometimes or never.") var retryAfter = "always"
    @Option(help: "Probability (0..1) that an API request fails (HTML 500/502, truncated 200, slow).") var faultRate = 0.0
    @Option(help: "Seconds a slow-response fault waits before answering.") var slowResponse = 2.0
    @Option(help: "New activities per second while running.") var liveRate = 0.0
    @Option(help: "Fraction of activities created hours after they happened.") var lateFraction = 0.1
    @Option(help: "Fraction of activities sharing their created ms with neighbours.") var tieFraction = 0.2
    @Option(help: "Fraction of activities with hostile strings.") var hostileFraction = 0.05
    @Flag(help: "Also serve types the real API never sends (created and appId as strings), for parser hardening.") var wildTypes = false
    @Option(help: "Pad every record to at least this many bytes (0 = natural size, ~2.5 KB).") var recordSizeBytes = 0
    @Option(help: "Number of backlog alerts (served at /api/v1/alerts/).") var alerts = 0
    @Option(help: "How many backlog alerts share one single millisecond (0 = none).") var alertBurst = 0
    @Option(help: "Fraction of backlog alerts already closed at start-up.") var alertClosedFraction = 0.0
    @Option(help: "New alerts per second while running.") var alertRate = 0.0
    @Option(help: "Open alerts closed per second while running.") var alertCloseRate = 0.0
    @Option(help: "On SIGUSR1: stop live arrivals, then write every stored record to this file ('activity|alert <_id> <ms>' lines) and print 'inventory written'.")
    var inventoryFile: String?

    func validate() throws {
        _ = try ListenAddress(listen, allowRemote: allowRemote)
        guard ThrottleMode(rawValue: throttleMode) != nil else {
            throw ValidationError("--throttle-mode must be bucket or rolling-window, not '\(throttleMode)'")
        }
        guard arrivalJitter >= 0 else { throw ValidationError("--arrival-jitter must not be negative") }
        guard RetryAfterMode(rawValue: retryAfter) != nil else {
            throw ValidationError("--retry-after must be always, sometimes or never, not '\(retryAfter)'")
        }
        for (name, value) in [("--fault-rate", faultRate), ("--late-fraction", lateFraction),
                              ("--tie-fraction", tieFraction), ("--hostile-fraction", hostileFraction),
                              ("--alert-closed-fraction", alertClosedFraction)]
        where !(0...1).contains(value) {
            throw ValidationError("\(name) must be between 0 and 1, not \(value)")
        }
        guard activities >= 0, recordSizeBytes >= 0, throttleRPM >= 0, liveRate >= 0, entraTokenLifetime > 0, slowResponse >= 0 else {
            throw ValidationError("--activities, --record-size-bytes, --throttle-rpm, --live-rate and --slow-response must not be negative; --entra-token-lifetime must be positive")
        }
        guard alerts >= 0, alertBurst >= 0, alertRate >= 0, alertCloseRate >= 0 else {
            throw ValidationError("--alerts, --alert-burst, --alert-rate and --alert-close-rate must not be negative")
        }
        guard clientSecret == nil || clientSecretFile == nil else {
            throw ValidationError("give --client-secret or --client-secret-file, not both")
        }
    }

    func run() async throws {
        let address = try ListenAddress(listen, allowRemote: allowRemote)
        var secret = clientSecret
        if let clientSecretFile {
            do {
                secret = try String(contentsOfFile: clientSecretFile, encoding: .utf8)
                    .trimmingCharacters(in: .newlines)
            } catch {
                throw ValidationError("cannot read --client-secret-file \(clientSecretFile): \(error.localizedDescription)")
            }
        }
        var options = SimulatorOptions(
            host: address.host, port: address.port, activities: activities, seed: seed, token: token,
            clientID: clientID, clientSecret: secret, entraTokenLifetime: .seconds(entraTokenLifetime),
            throttleRPM: throttleRPM, retryAfter: RetryAfterMode(rawValue: retryAfter) ?? .always,
            faultRate: faultRate, liveRate: liveRate, lateFraction: lateFraction, tieFraction: tieFraction,
            hostileFraction: hostileFraction, slowResponse: .milliseconds(Int(slowResponse * 1000)),
            recordBytes: recordSizeBytes, alerts: alerts, alertBurst: alertBurst,
            alertClosedFraction: alertClosedFraction, alertRate: alertRate, alertCloseRate: alertCloseRate,
            wildTypes: wildTypes)
        options.throttleMode = ThrottleMode(rawValue: throttleMode) ?? .bucket
        options.arrivalJitter = .milliseconds(Int(arrivalJitter * 1000))
        let server = SimulatorServer(options: options)
        // Trapped before the server starts, so a stop right after "listening" is graceful.
        let signals = await UnixSignalsSequence(trapping: .sigint, .sigterm, .sigusr1)
        _ = try await server.start()
        // Written straight to fd 1 (no stdio buffer): scripts wait for this exact first line.
        FileHandle.standardOutput.write(Data("listening on \(server.baseURL)\n".utf8))
        var iterator = signals.makeAsyncIterator()
        while let signal = await iterator.next() {
            if signal == .sigusr1 {
                await writeInventory(server)
                continue
            }
            FileHandle.standardError.write(Data("mdca-simulator: signal \(signal), stopping\n".utf8))
            break
        }
        // What a rate-budget trial measures: how many API requests the throttle refused.
        let api = server.requestLog.filter { $0.path.hasPrefix("/api/") }
        FileHandle.standardError.write(Data(
            "mdca-simulator: \(api.count) API requests, \(api.filter { $0.status == 429 }.count) answered 429\n".utf8))
        await server.stop()
    }

    /// SIGUSR1 (`make soak`'s end): live arrivals stop for good, then the final list of records
    /// is written whole (temp file, rename) so a reader never sees half of it; again on every
    /// further SIGUSR1.
    private func writeInventory(_ server: SimulatorServer) async {
        await server.stopLive()
        guard let inventoryFile else {
            FileHandle.standardError.write(Data("mdca-simulator: SIGUSR1: live arrivals stopped (no --inventory-file)\n".utf8))
            return
        }
        do {
            // .atomic: a temp file renamed over the target (FileManager.replaceItemAt loses
            // the target on Linux when the rename is what it has to do).
            try Data(await server.inventory().utf8).write(to: URL(fileURLWithPath: inventoryFile), options: .atomic)
            FileHandle.standardOutput.write(Data("inventory written\n".utf8))
        } catch {
            FileHandle.standardError.write(Data("mdca-simulator: cannot write --inventory-file \(inventoryFile): \(error.localizedDescription)\n".utf8))
        }
    }
}
