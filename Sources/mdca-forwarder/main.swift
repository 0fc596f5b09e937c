import ArgumentParser
#if canImport(Glibc)
import Glibc
#endif
import Forwarder
import Logging
import MDCA
import Systemd

/// The command line of PRODUCT §5. Thin by design: parse, then call into `Forwarder`.
@main
struct MDCAForwarderCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "mdca-forwarder",
        abstract: "Streams Microsoft Defender for Cloud Apps activities and alerts to a SIEM as syslog/CEF or JSON.",
        discussion: """
            Exit codes: 0 success, 64 bad usage, 78 invalid configuration, 77 credentials rejected \
            by the API, 69 API or output unreachable after retries, 74 state file I/O error, 1 other.
            The configuration is read from --config, else $MDCA_FORWARDER_CONFIG, else \
            /etc/mdca-forwarder/config.yaml.
            """,
        version: ForwarderVersion.string,
        subcommands: [Run.self, Once.self, CheckConfig.self, TestCommand.self, Status.self, CheckpointCommand.self, Version.self],
        defaultSubcommand: Run.self
    )
}

struct ConfigOption: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("Configuration file.", valueName: "PATH"))
    var config: String?
}

/// Logs go to journald when systemd connected stderr to the journal, else to stderr as
/// one line per message. Handlers log everything; each logger's level comes from the
/// configuration (`log.level`).
func bootstrapLogging() {
    // A receiver that vanishes mid-write must surface as EPIPE on that output, not kill the
    // daemon: TCP writes use MSG_NOSIGNAL, but TLS writes go through OpenSSL inside libcurl,
    // which (with CURLOPT_NOSIGNAL) does not mask SIGPIPE itself.
    _ = signal(SIGPIPE, SIG_IGN)  // cannot fail for a valid signal number
    // Every line passes the secret scrubber last: a secret echoed by a server never reaches the journal.
    LoggingSystem.bootstrap { label in
        SecretScrubbingLogHandler(SystemdLogging.makeHandler(label: label, logLevel: .trace))
    }
}

/// Runs a command body and turns its exit code into the process exit status.
func finish(_ code: Int32) throws {
    if code != 0 { throw ExitCode(code) }
}

struct Run: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Run the daemon (default): poll every poll_interval until SIGTERM.")
    @OptionGroup var options: ConfigOption
    func run() async throws {
        bootstrapLogging()
        try finish(await Commands.daemon(configPath: options.config, mode: .run))
    }
}

struct Once: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Catch up to now − settle_time, then exit.",
        discussion: """
            An unreachable API is retried for up to 10 minutes (8 attempts) and an unreachable \
            output for 2 minutes before exiting 69; set MDCA_FORWARDER_ONCE_GIVE_UP to a \
            duration (30s, 2m) to give up on either sooner (it also bounds the API check of `test`).
            """)
    @OptionGroup var options: ConfigOption
    func run() async throws {
        bootstrapLogging()
        try finish(await Commands.daemon(configPath: options.config, mode: .once))
    }
}

struct CheckConfig: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check-config",
        abstract: "Validate the configuration and print it with defaults filled in and secrets redacted.")
    @OptionGroup var options: ConfigOption
    func run() async throws { try finish(Commands.checkConfig(configPath: options.config)) }
}

struct TestCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "test",
        abstract: "Make one authenticated API call and connect to each output; print a line per check.")
    @OptionGroup var options: ConfigOption
    func run() async throws { try finish(await Commands.test(configPath: options.config)) }
}

struct Status: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Show the cursor, lag, last successful poll, counters and current problem.")
    @OptionGroup var options: ConfigOption
    @Flag(name: .long, help: "Print JSON for machines.") var json = false
    func run() async throws { try finish(await Commands.status(configPath: options.config, json: json)) }
}

struct CheckpointCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "checkpoint",
        abstract: "Inspect or move the cursor.",
        subcommands: [Set.self])

    struct Set: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Move the cursor for a backfill (refused while the daemon holds the state file).")
        @OptionGroup var options: ConfigOption
        @Option(name: .long, help: ArgumentHelp("Start point: ISO-8601 (2026-11-01T00:00:00Z) or an age (90m, 2d).", valueName: "WHEN"))
        var since: String
        @Option(name: .long, help: ArgumentHelp("Which cursor: activities or alerts (alerts also resets the closures cursor).", valueName: "STREAM"))
        var stream: String = CheckpointStream.activities.rawValue
        @Flag(name: .long, help: "Accept a --since in the future (every activity until then is skipped).")
        var force = false

        func validate() throws {
            guard SinceParser.parse(since, now: .now) != nil else {
                throw ValidationError("--since '\(since)': expected an ISO-8601 time such as 2026-11-01T00:00:00Z or an age such as 90m, 12h, 2d")
            }
            guard CheckpointStream(rawValue: stream) != nil else {
                throw ValidationError("--stream '\(stream)': expected one of \(CheckpointStream.allCases.map(\.rawValue).joined(separator: ", "))")
            }
        }

        func run() async throws {
            let stream = CheckpointStream(rawValue: stream) ?? .activities
            try finish(await Commands.checkpointSet(configPath: options.config, since: since, stream: stream, force: force))
        }
    }
}

struct Version: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Print the version.")
    func run() async throws { print("mdca-forwarder \(ForwarderVersion.string)") }
}
