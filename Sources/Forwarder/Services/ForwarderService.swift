import Foundation
import Logging
import MDCA
import ServiceLifecycle

/// The forwarding loop as a service: `once` catches up and returns, `run` repeats every
/// `poll_interval` until graceful shutdown.
///
/// Graceful shutdown is business logic here (STYLE.md): it becomes cancellation of the current
/// pass, which stops at a record boundary, delivers what is encoded and writes the checkpoint.
public final class ForwarderService: Service, Sendable {
    public enum Mode: Sendable { case once, run }

    private let mode: Mode
    private let engine: Engine
    private let logger: Logger

    public init(mode: Mode, engine: Engine, logger: Logger) {
        self.mode = mode
        self.engine = engine
        self.logger = logger
    }

    public func run() async throws {
        switch mode {
        case .once: try await runOnce()
        case .run: try await runForever()
        }
    }

    private func runOnce() async throws {
        let components = engine.current
        let result = try await cancelWhenGracefulShutdown {
            try await Self.pass(components)
        }
        await components.delivery.shutdown()
        logger.notice("catch-up finished", metadata: [
            "records": "\(result.delivered)", "pages": "\(result.pages)", "completed": "\(result.completed)",
        ])
    }

    private func runForever() async throws {
        var components = engine.current
        while !Task.isShuttingDownGracefully {
            var wait = engine.config.activities.pollInterval
            do {
                let current = components
                let result = try await cancelWhenGracefulShutdown {
                    try await Self.pass(current)
                }
                if result.completed, engine.status.setProblem(nil) {
                    logger.notice("forwarding healthy again")
                    await recordProblem(nil)
                }
                logger.info("poll finished", metadata: [
                    "records": "\(result.delivered)", "pages": "\(result.pages)",
                    "cursor": "\(engine.status.snapshot.cursorMs.map { ISO8601.string(ms: $0) } ?? "-")",
                ])
            } catch let error as ForwarderError {
                guard let retryIn = Self.retryDelay(for: error, pollInterval: wait) else { throw error }
                // In `run`, credential and filter errors are retried slowly: the operator can
                // fix the secret or the config (SIGHUP) without a restart loop.
                wait = retryIn
                if engine.status.setProblem(error.description) {
                    logger.error("poll failed", metadata: ["error": "\(error)", "retry_in_s": "\(retryIn.components.seconds)"])
                    await recordProblem(error.description)
                }
            }
            if Task.isShuttingDownGracefully { break }
            engine.status.expectProgress("waiting for next poll", within: wait + .seconds(30))
            // Sleeps until the next poll, a reload, or shutdown, whichever comes first.
            let pause = wait
            await engine.waitForNextPollOrShutdown(pause)
            if let reloaded = engine.takeReloaded() {
                await components.delivery.shutdown()
                components = reloaded
                logger.notice("configuration reloaded")
            }
        }
        await components.delivery.shutdown()
    }

    /// Makes the current problem (or its end) visible to `mdca-forwarder status`, which reads
    /// only the state file. A write failure here is logged; the next checkpoint write, which
    /// is not optional, reports it for real.
    private func recordProblem(_ problem: String?) async {
        await engine.store.noteProblem(problem, at: Date())
        do {
            try await engine.store.persist()
        } catch {
            logger.error("cannot record the current problem in the state file", metadata: ["error": "\(error)"])
        }
    }

    private static func pass(_ components: Engine.Components) async throws -> Pipeline.PassResult {
        do {
            return try await components.pipeline.catchUp()
        } catch .interrupted {
            return Pipeline.PassResult()
        }
    }

    /// How long `run` waits before retrying after an error, or nil when the error must stop
    /// the daemon (state file I/O: continuing would pretend a checkpoint is durable).
    static func retryDelay(for error: ForwarderError, pollInterval: Duration) -> Duration? {
        switch error {
        case .state, .config, .secret, .usage, .other: nil
        case .interrupted, .outputUnavailable: pollInterval
        case .api(let api):
            api.isCredentialError || api.isBadRequest ? max(pollInterval, .seconds(300)) : pollInterval
        }
    }
}
