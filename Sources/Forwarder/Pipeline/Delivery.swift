import ActivityJSON
import Foundation
import Formats
import Logging
import MDCA
import Outputs

/// Hands batches to every output and retries an output that is down (PRODUCT §3
/// "Backpressure"): while it is down nothing new is pulled, the cursor stays, the problem
/// shows in the log, STATUS and the state file, and delivery resumes without loss.
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
    private let status: StatusBoard
    private let store: CheckpointStore
    private let logger: Logger
    /// `once` gives up on an output after this long (exit 69); `run` waits for ever.
    private let giveUpAfter: Duration?
    private let backoff: Backoff

    public init(slots: [Slot], status: StatusBoard, store: CheckpointStore, logger: Logger, giveUpAfter: Duration?, backoff: Backoff = Backoff(base: .seconds(1), cap: .seconds(60))) {
        self.slots = slots
        self.status = status
        self.store = store
        self.logger = logger
        self.giveUpAfter = giveUpAfter
        self.backoff = backoff
    }

    public var outputCount: Int { slots.count }

    /// Encodes one record for every output, straight into each output's message batch. The
    /// syslog timestamp is `now` when given, else the time of the batch's first encoding.
    public func encode(_ record: ActivityRecord, into batch: inout Batch, now: Date? = nil) {
        let timestamp: Int64
        if let now {
            timestamp = MessageEncoder.unixMilliseconds(now)
        } else if let encodedAt = batch.encodedAtMs {
            timestamp = encodedAt
        } else {
            timestamp = MessageEncoder.unixMilliseconds(Date())
            batch.encodedAtMs = timestamp
        }
        for i in slots.indices {
            slots[i].encoder.encode(record, unixMilliseconds: timestamp, into: &batch.messages[i].bytes)
            batch.messages[i].endMessage()
            if slots[i].keyed { batch.messages[i].appendKey(record.id.utf8) }
        }
    }

    /// Returns once every output accepted the batch. Throws `.interrupted` when the task is
    /// cancelled while an output is down, `.outputUnavailable` past `giveUpAfter`.
    public func deliver(_ batch: inout Batch) async throws(ForwarderError) {
        while batch.acceptedOutputs < slots.count {
            let i = batch.acceptedOutputs
            try await deliverWithRetry(batch.messages[i], to: slots[i].output)
            batch.acceptedOutputs += 1
        }
    }

    private func deliverWithRetry(_ messages: MessageBatch, to output: any Output) async throws(ForwarderError) {
        let started = ContinuousClock.now
        var attempt = 0
        while true {
            do {
                status.expectProgress("delivering", within: .seconds(120))
                try await output.deliver(messages)
                if attempt > 0 {
                    logger.notice("output recovered", metadata: ["output.name": "\(output.name)", "attempts": "\(attempt + 1)"])
                    if status.setProblem(nil) {
                        await store.noteProblem(nil, at: Date())
                    }
                }
                return
            } catch {
                attempt += 1
                let problem = "output \(output.name) unavailable: \(error)"
                if status.setProblem(problem) {
                    logger.error("output unavailable, holding the cursor and retrying", metadata: [
                        "output.name": "\(output.name)", "error": "\(error)",
                    ])
                    await store.noteProblem(problem, at: Date())
                    // Best effort: the problem becomes visible to `mdca-forwarder status`.
                    // A state write failure here surfaces on the next real checkpoint.
                    try? await store.persist()
                }
                if let giveUpAfter, ContinuousClock.now - started >= giveUpAfter {
                    throw .outputUnavailable(output: output.name, underlying: "\(error)")
                }
                let delay = backoff.delay(attempt: attempt, unit: Double.random(in: 0...1))
                status.expectProgress("waiting for output \(output.name)", within: delay + .seconds(30))
                logger.debug("output retry scheduled", metadata: ["output.name": "\(output.name)", "retry.delay_ms": "\(DurationText.milliseconds(of: delay))"])
                do {
                    try await Task.sleep(for: delay)
                } catch {
                    throw .interrupted
                }
            }
        }
    }

    public func reopen() async {
        for slot in slots { await slot.output.reopen() }
    }

    public func shutdown() async {
        for slot in slots { await slot.output.shutdown() }
    }
}
