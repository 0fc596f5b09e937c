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
    }

    private struct State {
        var next: UInt = 1
        var pending: [UInt: Pending] = [:]
    }

    private let state = Mutex(State())

    /// Registers a batch of `count` messages before the first is produced (a report can
    /// arrive before the produce loop ends).
    func begin(count: Int) -> UInt {
        state.withLock { state in
            let sequence = state.next
            // Never 0: the opaque travels as a pointer, and 0 would read back as nil.
            state.next = state.next == UInt.max ? 1 : state.next + 1
            state.pending[sequence] = Pending(remaining: count, error: nil, waiter: nil)
            return sequence
        }
    }

    /// One delivery report (from the poll thread), or `count` messages that never made it
    /// into librdkafka's queue. The first error is the batch's error.
    func report(_ sequence: UInt, count: Int = 1, error: KafkaError?) {
        let finished: (CheckedContinuation<KafkaError?, Never>, KafkaError?)? = state.withLock { state in
            guard var pending = state.pending[sequence] else { return nil }
            pending.remaining -= count
            if pending.error == nil { pending.error = error }
            if pending.remaining <= 0, let waiter = pending.waiter {
                state.pending[sequence] = nil
                return (waiter, pending.error)
            }
            state.pending[sequence] = pending
            return nil
        }
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

    private func expire(_ sequence: UInt, after timeout: Duration) {
        let expired: (CheckedContinuation<KafkaError?, Never>, Int)? = state.withLock { state in
            guard let pending = state.pending[sequence], let waiter = pending.waiter else { return nil }
            state.pending[sequence] = nil
            return (waiter, pending.remaining)
        }
        if let (waiter, remaining) = expired {
            waiter.resume(returning: KafkaError(
                operation: "wait for delivery reports",
                reason: "\(remaining) messages unreported after \(timeout)"))
        }
    }
}
