import Dispatch
import Synchronization

/// Counts delivery reports per batch and wakes the batch's waiter when the last one arrives.
///
/// Each batch gets a sequence number, which travels with every message as librdkafka's
/// per-message opaque: a plain integer, so a report that arrives after its batch was given up
/// (timeout) finds no entry and is dropped instead of touching freed memory.
final class DeliveryTracker: Sendable {
    private struct Pending {
        var remaining: Int
        var error: KafkaError?
        var waiter: CheckedContinuation<KafkaError?, Never>?
        /// The batch's bytes, which librdkafka reads in place until the last report.
        var storage: BatchStorage?
    }

    private struct State {
        var next: UInt = 1
        var pending: [UInt: Pending] = [:]
        /// Storage of batches given up before every report came: librdkafka may still read
        /// it, so it is freed only after the client is destroyed.
        var abandoned: [BatchStorage] = []
        /// The cluster refused our credentials: batches fail at once until a report succeeds.
        var refused: KafkaError?
    }

    private let state = Mutex(State())

    /// Registers a batch of `count` messages before the first is produced (a report can
    /// arrive before the produce loop ends).
    func begin(count: Int, storage: BatchStorage? = nil) -> UInt {
        state.withLock { state in
            let sequence = state.next
            // Never 0: the opaque travels as a pointer, and 0 would read back as nil.
            state.next = state.next == UInt.max ? 1 : state.next + 1
            state.pending[sequence] = Pending(remaining: count, error: nil, waiter: nil, storage: storage)
            return sequence
        }
    }

    /// Frees the storage of abandoned and unfinished batches: only once librdkafka can no
    /// longer read it (after `rd_kafka_destroy`).
    func releaseAllStorage() {
        let storage: [BatchStorage] = state.withLock { state in
            var all = state.abandoned
            state.abandoned = []
            for (sequence, pending) in state.pending {
                if let storage = pending.storage { all.append(storage) }
                state.pending[sequence]?.storage = nil
            }
            return all
        }
        for buffer in storage { buffer.free() }
    }

    /// One delivery report (from the poll thread), or `count` messages that never made it
    /// into librdkafka's queue. The first error is the batch's error.
    func report(_ sequence: UInt, count: Int = 1, error: KafkaError?) {
        let (finished, storage): ((CheckedContinuation<KafkaError?, Never>, KafkaError?)?, BatchStorage?) = state.withLock { state in
            if error == nil { state.refused = nil }   // delivered: the credentials work
            guard var pending = state.pending[sequence] else { return (nil, nil) }
            pending.remaining -= count
            if pending.error == nil { pending.error = error }
            var done: BatchStorage?
            if pending.remaining <= 0 {
                // Every message is reported: librdkafka no longer reads the batch's bytes.
                done = pending.storage
                pending.storage = nil
                if let waiter = pending.waiter {
                    state.pending[sequence] = nil
                    return ((waiter, pending.error), done)
                }
            }
            state.pending[sequence] = pending
            return (nil, done)
        }
        storage?.free()
        if let (waiter, error) = finished { waiter.resume(returning: error) }
    }

    /// Waits until every message of the batch was reported; returns the first error. After
    /// `timeout` the batch is given up with an error (librdkafka reports every message within
    /// `message.timeout.ms`, so this only guards against a library that stopped answering).
    func wait(_ sequence: UInt, timeout: Duration) async -> KafkaError? {
        await withCheckedContinuation { (continuation: CheckedContinuation<KafkaError?, Never>) in
            let done: KafkaError?? = state.withLock { state in
                guard var pending = state.pending[sequence] else {
                    return .some(KafkaError(operation: "wait for delivery reports", reason: "unknown batch"))
                }
                if pending.remaining <= 0 {
                    state.pending[sequence] = nil
                    return .some(pending.error)
                }
                if let refused = state.refused {
                    Self.abandon(sequence, &state)
                    return .some(refused)
                }
                pending.waiter = continuation
                state.pending[sequence] = pending
                return .none
            }
            if let done {
                continuation.resume(returning: done)
                return
            }
            let (seconds, attoseconds) = timeout.components
            let nanoseconds = Int(seconds) * 1_000_000_000 + Int(attoseconds / 1_000_000_000)
            DispatchQueue.global().asyncAfter(deadline: .now() + .nanoseconds(nanoseconds)) { [self] in
                expire(sequence, after: timeout)
            }
        }
    }

    /// Set by `failWaiting`, cleared by the next successful delivery report.
    var refusal: KafkaError? { state.withLock { $0.refused } }

    /// The cluster refused the credentials (librdkafka's error callback): every batch waiting
    /// for reports, and every batch waited for from now until a delivery succeeds, fails with
    /// `error` instead of waiting for the message timeout.
    func failWaiting(_ error: KafkaError) {
        let waiters: [CheckedContinuation<KafkaError?, Never>] = state.withLock { state in
            state.refused = error
            let waiting = state.pending.filter { $0.value.waiter != nil }
            for sequence in waiting.keys { Self.abandon(sequence, &state) }
            return waiting.values.compactMap(\.waiter)
        }
        for waiter in waiters { waiter.resume(returning: error) }
    }

    /// Gives a batch up before its last report: librdkafka may still read its bytes, so they
    /// are kept until the client is destroyed.
    private static func abandon(_ sequence: UInt, _ state: inout State) {
        guard let pending = state.pending.removeValue(forKey: sequence) else { return }
        if let storage = pending.storage { state.abandoned.append(storage) }
    }

    private func expire(_ sequence: UInt, after timeout: Duration) {
        let expired: (CheckedContinuation<KafkaError?, Never>, Int)? = state.withLock { state in
            guard let pending = state.pending[sequence], let waiter = pending.waiter else { return nil }
            state.pending[sequence] = nil
            if let storage = pending.storage { state.abandoned.append(storage) }
            return (waiter, pending.remaining)
        }
        if let (waiter, remaining) = expired {
            waiter.resume(returning: KafkaError(
                operation: "wait for delivery reports",
                reason: "\(remaining) messages unreported after \(timeout)"))
        }
    }
}

/// One batch's bytes (values, then keys), owned by the producer while librdkafka reads them in
/// place (produce without RD_KAFKA_MSG_F_COPY: no allocation and copy per message).
struct BatchStorage: @unchecked Sendable {
    // @unchecked: written once before producing, then only read (by librdkafka), then freed
    // exactly once by whoever takes it out of the tracker.
    let buffer: UnsafeMutableRawBufferPointer

    init(copying parts: [UnsafeRawBufferPointer]) {
        buffer = .allocate(byteCount: max(1, parts.reduce(0) { $0 + $1.count }), alignment: 16)
        var offset = 0
        for part in parts where part.count > 0 {
            UnsafeMutableRawBufferPointer(rebasing: buffer[offset..<(offset + part.count)]).copyMemory(from: part)
            offset += part.count
        }
    }

    func free() { buffer.deallocate() }
}
