import Foundation
import Logging
import MDCA
import POSIX
import ServiceLifecycle

/// The forwarding loop as a service: `once` catches up and returns, `run` repeats every
/// `poll_interval` until graceful shutdown.
///
/// Graceful shutdown is business logic (STYLE.md): the pass checks the flag at page and
/// record boundaries, finishes delivering what it encoded and writes the checkpoint; only
/// waits are cancelled. Nothing here is logged as a failure because of the stop itself.
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
        let deadline = engine.lifetime.shutdown
        try await withGracefulShutdownHandler {
            switch mode {
            case .once: try await runOnce()
            case .run: try await runForever()
            }
        } onGracefulShutdown: {
            // SIGTERM: from now on every remaining write, flush and close shares one deadline.
            deadline.start()
        }
    }

    /// One pass of every stream, in turn (`StreamTurns`).
    private func pass(_ components: Engine.Components) async throws(StreamFailure) -> PassResult {
        var problemCleared = false
        let delivery = components.delivery
        let result = try await StreamTurns(logger: logger).pass(components.streams, problemCleared: &problemCleared,
                                                                superseded: { delivery.isSuperseded })
        if problemCleared, mode == .run { _ = await engine.writer.persistQuietly() }
        return result
    }

    private func runOnce() async throws {
        let components = engine.current
        do {
            let result = try await pass(components)
            await components.delivery.shutdown()
            logger.notice("catch-up finished", metadata: [
                "records": "\(result.delivered)", "pages": "\(result.pages)", "completed": "\(result.completed)",
            ])
        } catch {
            // `status` must tell the truth after a failed `once` (the exit code says 69, 77…).
            await recordFailure(error.error, in: error.core)
            await components.delivery.shutdown()
            throw error.error
        }
    }

    private func runForever() async throws {
        var components = engine.current
        while !Task.isShuttingDownGracefully {
            var wait = engine.config.activities.pollInterval
            do {
                _ = try await pass(components)
            } catch {
                guard let retryIn = Self.retryDelay(for: error.error, pollInterval: wait) else {
                    await recordFailure(error.error, in: error.core)
                    throw error.error
                }
                // In `run`, credential and filter errors are retried slowly: the operator can
                // fix the secret or the config (SIGHUP) without a restart loop.
                wait = retryIn
                let cause = error.error.failureKind.isPermanent ? "\(error.error.failureKind): \(error.error)" : "\(error.error)"
                error.core.report(.pass, "\(cause), retrying in \(HumanDuration.format(retryIn))")
                _ = await engine.writer.persistQuietly()
            }
            if Task.isShuttingDownGracefully { break }
            // The pass's pages are released by now: give their memory back before the wait,
            // so that the resident size between polls does not keep the largest page's.
            Heap.returnFreeMemory()
            for stream in components.streams { stream.control.begin("waiting for next poll", within: wait + .seconds(30)) }
            // Sleeps until the next poll, a reload, or shutdown, whichever comes first.
            await engine.waitForNextPollOrShutdown(wait, after: components.generation)
            if let reloaded = engine.takeReloaded() {
                await components.delivery.shutdown()
                components = reloaded
                logger.notice("configuration reloaded")
            }
        }
        await components.delivery.shutdown()
    }

    /// Records the failure that ends the command in the state file (`status`: current
    /// problem and last error with its time).
    private func recordFailure(_ error: ForwarderError, in core: any StreamControl) async {
        switch error {
        case .state, .leadershipLost: return   // the checkpoint store is what failed or is not ours
        default: break
        }
        core.report(.pass, error.description)
        if let stateError = await engine.writer.persistQuietly() {
            logger.error("cannot record the failure in the state file", error: stateError)
        }
    }

    /// How long `run` waits before retrying after an error, or nil when the error must stop
    /// the daemon (state file I/O: continuing would pretend a checkpoint is durable).
    static func retryDelay(for error: ForwarderError, pollInterval: Duration) -> Duration? {
        switch error {
        case .state, .config, .secret, .usage, .listen, .other: nil
        case .interrupted, .superseded, .leadershipLost: pollInterval
        // A permanent error (rejected credentials, a refused filter, an untrusted
        // certificate) is retried slowly: fixed by the operator, picked up without a restart.
        case .api, .outputUnavailable: error.failureKind.isPermanent ? max(pollInterval, Delivery.permanentRetryDelay) : pollInterval
        }
    }
}
