import Logging
import ServiceLifecycle
import UnixSignals

/// Turns SIGHUP into a configuration reload (and a reopen of file outputs, for logrotate).
public final class ReloadService: Service, Sendable {
    private let engine: Engine
    private let logger: Logger
    private let signals: UnixSignalsSequence

    /// Traps SIGHUP at once, not when the service group starts: READY=1 goes out before the
    /// group runs, and a SIGHUP arriving in between (`systemctl reload` right after start)
    /// would otherwise hit the default action and kill the daemon.
    public init(engine: Engine, logger: Logger) async {
        self.engine = engine
        self.logger = logger
        signals = await UnixSignalsSequence(trapping: .sighup)
    }

    public func run() async throws {
        for await _ in signals.cancelOnGracefulShutdown() {
            logger.notice("SIGHUP received: reloading the configuration", metadata: ["config.path": "\(engine.configPath)"])
            await engine.reload()
        }
    }
}
