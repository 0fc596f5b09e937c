import ActivityJSON
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
/// read (`shutdownGrace`): the daemon stops in time, and the undelivered batch stays behind the
/// cursor, to be sent after the restart.
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
    /// After graceful shutdown began, how long a write still in progress may go on.
    let shutdownGrace: Duration
    /// Outputs whose write was abandoned at shutdown: their queue is still blocked in it, so
    /// their own shutdown would wait for it too.
    private let abandoned = Mutex<Set<Int>>([])

    public init(
        slots: [Slot], logger: Logger, giveUpAfter: Duration?,
        backoff: Backoff = Backoff(base: .seconds(1), cap: .seconds(60)), shutdownGrace: Duration = .seconds(5)
    ) {
        self.slots = slots
        self.board = OutputBoard(names: slots.map(\.output.name))
        self.logger = logger
        self.giveUpAfter = giveUpAfter
        self.backoff = backoff
        self.shutdownGrace = shutdownGrace
    }

    public var outputCount: Int { slots.count }
    public var outputNames: [String] { slots.map(\.output.name) }

    /// Encodes one record for every output, straight into each output's message batch, with
    /// the batch's syslog timestamp (read once per batch, from the core's clock).
    /// Returns the outcome when the cap changed the message for some output (rare).
    @discardableResult
    public func encode<P>(_ record: ActivityRecord, into batch: inout Batch<P>, clock: any ForwarderClock) -> MessageEncoder.Outcome {
        let timestamp = Self.timestamp(of: &batch, clock: clock)
        var worst = MessageEncoder.Outcome.intact
        for i in slots.indices {
            let outcome = slots[i].encoder.encode(record, unixMilliseconds: timestamp, into: &batch.messages[i].bytes)
            batch.messages[i].endMessage()
            if slots[i].keyed { batch.messages[i].appendKey(record.id.utf8) }
            if outcome != .intact && worst != .replaced { worst = outcome }
        }
        return worst
    }

    /// The same for an alert, or its closure line (PRODUCT §9).
    @discardableResult
    public func encode<P>(_ alert: AlertRecord, closure: Bool, into batch: inout Batch<P>, clock: any ForwarderClock) -> MessageEncoder.Outcome {
        let timestamp = Self.timestamp(of: &batch, clock: clock)
        var worst = MessageEncoder.Outcome.intact
        for i in slots.indices {
            let outcome = slots[i].encoder.encode(alert, closure: closure, unixMilliseconds: timestamp, into: &batch.messages[i].bytes)
            batch.messages[i].endMessage()
            if slots[i].keyed { batch.messages[i].appendKey(alert.id.utf8) }
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
    /// shutdown ends a wait, `.outputUnavailable` past `giveUpAfter`.
    public func deliver<P>(_ batch: inout Batch<P>, for core: StreamCore<P>) async throws(ForwarderError) {
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
                board.accepted(index)
                if attempt > 0 {
                    core.report(.output(output.name), nil)
                }
                return
            case .failure(let error)?:
                if Task.isShuttingDownGracefully {
                    throw .interrupted   // the stop itself, or a failure during it: no retry
                }
                attempt += 1
                board.failed(index)
                // `once` stops at once on a permanent error (PRODUCT §7): retrying cannot help.
                if let giveUpAfter, error.failureKind.isPermanent || clock.now - started >= giveUpAfter {
                    core.report(.output(output.name), "output \(output.name) unavailable: \(error)")
                    throw .outputUnavailable(output: output.name, underlying: "\(error)", failureKind: error.failureKind)
                }
                let delay = backoff.delay(attempt: attempt, unit: Double.random(in: 0...1))
                core.report(.output(output.name), "output \(output.name) unavailable: \(error), retrying in \(HumanDuration.format(delay))")
                core.begin("waiting for output \(output.name)", within: delay + .seconds(30))
                do {
                    try await cancelWhenGracefulShutdown { try await clock.sleep(for: delay) }
                } catch {
                    throw .interrupted
                }
            }
        }
    }

    /// One delivery attempt. Before shutdown it is awaited to its end (the outputs have write
    /// timeouts); once graceful shutdown began, at most `shutdownGrace` more (nil: abandoned).
    private func attemptBoundedByShutdown(_ output: any Output, _ messages: MessageBatch) async -> Result<Void, OutputError>? {
        await FirstOf.race(grace: shutdownGrace) {
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

    public func shutdown() async {
        let skip = abandoned.withLock { $0 }
        for (index, slot) in slots.enumerated() where !skip.contains(index) {
            _ = await FirstOf.race(grace: shutdownGrace) { await slot.output.shutdown() }
        }
    }
}
