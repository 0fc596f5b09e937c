import Logging
import ServiceLifecycle
import UnixSignals

/// Turns SIGHUP into a configuration reload (and a reopen of file outputs, for logrotate).
public final class ReloadService: Service, Sendable {
    private let engine: Engine
    private let logger: Logger

    public init(engine: Engine, logger: Logger) {
        self.engine = engine
        self.logger = logger
    }

    public func run() async throws {
        let signals = await UnixSignalsSequence(trapping: .sighup)
        for await _ in signals.cancelOnGracefulShutdown() {
            logger.notice("SIGHUP received: reloading the configuration", metadata: ["config.path": "\(engine.configPath)"])
            await engine.reload()
        }
    }
}
