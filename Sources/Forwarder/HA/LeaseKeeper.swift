import Etcd
import Logging
import ServiceLifecycle
import Synchronization

/// Renews the leader's lease every third of its TTL and returns (ending the term's service
/// group) once it cannot prove the lease any more: etcd says it is gone, the fence failed, or
/// renewals kept failing until the proof ran out on the monotonic clock.
final class LeaseKeeper: Service, Sendable {
    let coordination: Coordination
    let logger: Logger
    private let ended = Mutex<String?>(nil)

    init(coordination: Coordination, logger: Logger) {
        self.coordination = coordination
        self.logger = logger
    }

    /// Why the term ended, nil while it runs or after a graceful stop.
    var reason: String? { ended.withLock { $0 } }

    func run() async throws {
        let leadership = coordination.leadership
        var nextRenewal = ContinuousClock.now + leadership.settings.keepAliveInterval
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            guard leadership.currentTerm != nil else { return end("the leader key changed (another instance leads)") }
            guard leadership.mayDeliver() else { return end("the lease could not be renewed in time") }
            if ContinuousClock.now >= nextRenewal {
                do {
                    guard try await leadership.renew() else { return end("the lease expired in etcd") }
                    nextRenewal = ContinuousClock.now + leadership.settings.keepAliveInterval
                } catch {
                    coordination.board.countError()
                    logger.warning("lease renewal failed; retrying", metadata: ["error": "\(error.message)", "proven": "\(leadership.timeLeft ?? .zero)"])
                    nextRenewal = ContinuousClock.now + .milliseconds(300)
                }
            }
            // Checked often: a failed fence or a proof running out stops the term at once.
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: .milliseconds(100)) }
        }
    }

    private func end(_ why: String) {
        ended.withLock { $0 = why }
        coordination.board.countError()
        coordination.board.set(status: "standby; stepped down: \(why)")
    }
}
