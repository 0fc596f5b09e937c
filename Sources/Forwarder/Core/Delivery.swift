import Foundation
import Formats
import Logging
import MDCA
import Outputs
import ServiceLifecycle
import Synchronization

/// Hands batches to every output and retries an output that is down (PRODUCT §3
/// "Backpressure"): while it is down nothing new is pulled, the cursor stays, and the stream's
/// core names the problem with its retry countdown (STATUS, `status`, the log, `/metrics`).
///
/// Graceful shutdown ends the retry wait at once, and bounds a write that a receiver does not
/// read (the process's one `ShutdownDeadline`): the daemon stops in time, and the undelivered batch stays behind the
/// cursor, to be sent after the restart.
///
/// A `Delivery` belongs to one configuration; a reload (a newer `ConfigGeneration`) ends its
/// retry wait at once and it refuses further batches (`.superseded`): the pass ends with the
/// batch undelivered behind the cursor, and the next pass, on the new outputs, sends it.
public final class Delivery: Sendable {
    /// One output with the encoder for its format and syslog header.
    public struct Slot: Sendable {
        public var output: any Output
        public var encoder: MessageEncoder
        /// The output wants each record's `_id` as message key (kafka).
        public var keyed: Bool

        public init(output: any Output, encoder: MessageEncoder) {
            self.output = output
            self.encoder = encoder
            keyed = output.needsMessageKeys
        }
    }

    private let slots: [Slot]
    public let board: OutputBoard
    private let logger: Logger
    /// `once` gives up on an output after this long (exit 69); `run` waits for ever.
    private let giveUpAfter: Duration?
    private let backoff: Backoff
    /// The longest one delivery attempt may take before the stream counts as wedged (the
    /// outputs' own write timeouts are shorter).
    static let attemptAllowance: Duration = .seconds(120)
    /// `run`'s wait before retrying an output that failed with a permanent error (a
    /// certificate, a credential, a setting the other side refuses): slow, never a tight loop.
    static let permanentRetryDelay: Duration = .seconds(300)
    /// Consecutive permanent failures of one batch before the slow schedule applies.
    static let permanentAfterAttempts = 3
    /// After graceful shutdown began, until when a write or a close still in progress may go
    /// on: one deadline for the whole process, not a grace per operation.
    let shutdownDeadline: ShutdownDeadline
    /// Outputs whose write was abandoned at shutdown: their queue is still blocked in it, so
    /// their own shutdown would wait for it too.
    private let abandoned = Mutex<Set<Int>>([])
    /// Asked before each batch goes to the outputs (HA: the leader's lease).
    private let permit: any SendPermit
    /// The configuration generation this delivery was built for, and the counter that says
    /// when a reload replaced it.
    private let reloads: ConfigGeneration?
    private let generation: Int

    public init(
        slots: [Slot], logger: Logger, giveUpAfter: Duration?,
        backoff: Backoff = Backoff(base: .seconds(1), cap: .seconds(60)), shutdownDeadline: ShutdownDeadline = ShutdownDeadline(clock: SystemForwarderClock()),
        permit: any SendPermit = AlwaysPermit(), board: OutputBoard? = nil, reloads: ConfigGeneration? = nil, generation: Int = 0
    ) {
        self.permit = permit
        self.reloads = reloads
        self.generation = generation
        self.slots = slots
        if let board {
            board.show(slots.map(\.output.name))
            self.board = board
        } else {
            self.board = OutputBoard(names: slots.map(\.output.name))
        }
        self.logger = logger
        self.giveUpAfter = giveUpAfter
        self.backoff = backoff
        self.shutdownDeadline = shutdownDeadline
    }

    public var outputCount: Int { slots.count }
    public var outputNames: [String] { slots.map(\.output.name) }

    /// A reload accepted a newer configuration: this delivery's outputs are no longer the
    /// configured ones.
    public var isSuperseded: Bool { reloads.map { $0.current > generation } ?? false }

    /// Encodes one record for every output, straight into each output's message batch, with
    /// the batch's syslog timestamp (read once per batch, from the core's clock) and, for an
    /// output that wants one, the record's id as key. The policy says how its records encode.
    /// Returns the outcome when the cap changed the message for some output (rare).
    @discardableResult
    func encode<P, Policy: RecordPolicy>(_ record: Policy.Record, by policy: Policy, into batch: inout Batch<P>, clock: any ForwarderClock) -> MessageEncoder.Outcome {
        let timestamp = Self.timestamp(of: &batch, clock: clock)
        var worst = MessageEncoder.Outcome.intact
        for i in slots.indices {
            let outcome = policy.encode(record, with: slots[i].encoder, unixMilliseconds: timestamp, into: &batch.messages[i].bytes)
            batch.messages[i].endMessage()
            if slots[i].keyed { batch.messages[i].appendKey(policy.id(of: record).utf8) }
            if outcome != .intact && worst != .replaced { worst = outcome }
        }
        return worst
    }

    private static func timestamp<P>(of batch: inout Batch<P>, clock: any ForwarderClock) -> Int64 {
        if let encodedAt = batch.encodedAtMs { return encodedAt }
        let now = clock.wallMs
        batch.encodedAtMs = now
        return now
    }

    /// Returns once every output accepted the batch. Throws `.interrupted` when graceful
    /// shutdown ends a wait, `.outputUnavailable` past `giveUpAfter`, `.leadershipLost` when
    /// the send permit refuses the batch (before any output saw it).
    public func deliver<P>(_ batch: inout Batch<P>, for core: StreamCore<P>) async throws(ForwarderError) {
        if isSuperseded { throw .superseded }
        if batch.acceptedOutputs == 0, !(await permit.mayDeliver()) {
            throw .leadershipLost("the send permit refused the batch")
        }
        while batch.acceptedOutputs < slots.count {
            let i = batch.acceptedOutputs
            try await deliverWithRetry(batch.messages[i], to: i, core: core)
            batch.acceptedOutputs += 1
        }
    }

    private func deliverWithRetry<P>(_ messages: MessageBatch, to index: Int, core: StreamCore<P>) async throws(ForwarderError) {
        let output = slots[index].output
        let clock = core.clock
        let started = clock.now
        var attempt = 0
        while true {
            core.begin("delivering to \(output.name)", within: Self.attemptAllowance)
            let result = await attemptBoundedByShutdown(output, messages)
            switch result {
            case .none:
                // Shutdown and the receiver does not read: give up this batch (it stays
                // behind the cursor and is sent again after the restart).
                logger.notice("stop: abandoning a write the receiver does not accept", metadata: ["output.name": "\(output.name)"])
                abandoned.withLock { _ = $0.insert(index) }
                throw .interrupted
            case .success?:
                board.accepted(output.name)
                if attempt > 0 {
                    core.report(.output(output.name), nil)
                }
                return
            case .failure(let error)?:
                if Task.isShuttingDownGracefully {
                    throw .interrupted   // the stop itself, or a failure during it: no retry
                }
                attempt += 1
                board.failed(output.name)
                // `once` stops at once on a permanent error (PRODUCT §7): retrying cannot help.
                if let giveUpAfter, error.failureKind.isPermanent || clock.now - started >= giveUpAfter {
                    core.report(.output(output.name), "output \(output.name) unavailable: \(error)")
                    throw .outputUnavailable(output: output.name, underlying: "\(error)", failureKind: error.failureKind)
                }
                // `run`: a permanent error that persists is retried on the slow schedule (a
                // rotated certificate or secret is picked up; a reload ends the wait at once).
                // A single one (a broker refusing one batch) is retried on the normal backoff.
                let permanent = error.failureKind.isPermanent
                let delay = permanent && attempt >= Self.permanentAfterAttempts
                    ? max(Self.permanentRetryDelay, backoff.delay(attempt: attempt, unit: 0))
                    : backoff.delay(attempt: attempt, unit: Double.random(in: 0...1))
                let cause = permanent ? "\(error.failureKind): \(error)" : "\(error)"
                core.report(.output(output.name), "output \(output.name) unavailable: \(cause), retrying in \(HumanDuration.format(delay))")
                core.begin("waiting for output \(output.name)", within: delay + .seconds(30))
                switch await retryWait(delay, clock: clock) {
                case .elapsed: continue
                case .shutdown: throw .interrupted
                case .reloaded:
                    logger.notice("new configuration: leaving the retry of the old output", metadata: ["output.name": "\(output.name)"])
                    throw .superseded
                }
            }
        }
    }

    private enum WaitEnd: Sendable { case elapsed, shutdown, reloaded }

    /// The backoff wait before the next attempt, cut short by graceful shutdown or a reload.
    private func retryWait(_ delay: Duration, clock: any ForwarderClock) async -> WaitEnd {
        let (reloads, generation) = (self.reloads, self.generation)
        return await withTaskGroup(of: WaitEnd.self) { group in
            group.addTask {
                do {
                    try await cancelWhenGracefulShutdown { try await clock.sleep(for: delay) }
                    return .elapsed
                } catch {
                    return Task.isCancelled && !Task.isShuttingDownGracefully ? .elapsed : .shutdown
                }
            }
            if let reloads {
                group.addTask {
                    await reloads.wait(past: generation)
                    return Task.isCancelled ? .elapsed : .reloaded
                }
            }
            let first = await group.next() ?? .elapsed
            group.cancelAll()
            return first
        }
    }

    /// One delivery attempt. Before shutdown it is awaited to its end (the outputs have write
    /// timeouts); once graceful shutdown began, until the shutdown deadline (nil: abandoned).
    private func attemptBoundedByShutdown(_ output: any Output, _ messages: MessageBatch) async -> Result<Void, OutputError>? {
        await FirstOf.race(until: shutdownDeadline) {
            do throws(OutputError) {
                try await output.deliver(messages)
                return .success(())
            } catch {
                return .failure(error)
            }
        }
    }

    public func reopen() async {
        for slot in slots { await slot.output.reopen() }
    }

    /// Flushes and closes every output, side by side, each bounded by the one shutdown
    /// deadline when a stop is under way.
    public func shutdown() async {
        let skip = abandoned.withLock { $0 }
        let deadline = shutdownDeadline
        await withTaskGroup(of: Void.self) { group in
            for (index, slot) in slots.enumerated() where !skip.contains(index) {
                group.addTask { _ = await FirstOf.race(until: deadline) { await slot.output.shutdown() } }
            }
        }
    }
}
