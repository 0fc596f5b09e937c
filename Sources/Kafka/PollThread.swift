import CKafka
import Dispatch
import Foundation
import Synchronization

/// A thread of its own that serves a client's callbacks (`rd_kafka_poll`): delivery reports
/// and logs. `rd_kafka_poll` blocks for up to 100 ms at a time, so it must never run on
/// Swift's cooperative pool.
final class PollThread: Sendable {
    private let stopping = Atomic<Bool>(false)
    private let finished = DispatchSemaphore(value: 0)

    init(_ client: KafkaHandle, name: String) {
        let thread = Thread { [self] in
            while !self.stopping.load(ordering: .relaxed) {
                // rd_kafka_poll returns the number of events served; nothing to check.
                _ = rd_kafka_poll(client.pointer, 100)
            }
            self.finished.signal()
        }
        thread.name = name
        thread.start()
    }

    /// Stops polling and waits (at most one poll interval) for the thread to end.
    func stop() {
        guard !stopping.exchange(true, ordering: .relaxed) else { return }
        finished.wait()
    }
}
