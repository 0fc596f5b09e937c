import Synchronization

/// The health of each output, shared by the streams that deliver through it: the one source of
/// `output_up` and `output_errors_total` (PRODUCT §10). `Delivery` writes it; the metrics
/// view reads it.
public final class OutputBoard: Sendable {
    public struct Entry: Sendable, Equatable {
        public var name: String
        /// False from a failed delivery attempt until the next accepted one.
        public var up = true
        /// Failed delivery attempts.
        public var errors: UInt64 = 0
    }

    private let entries: Mutex<[Entry]>

    public init(names: [String]) {
        entries = Mutex(names.map { Entry(name: $0) })
    }

    public var snapshot: [Entry] { entries.withLock { $0 } }

    func failed(_ index: Int) {
        entries.withLock {
            $0[index].up = false
            $0[index].errors += 1
        }
    }

    func accepted(_ index: Int) {
        entries.withLock { $0[index].up = true }
    }
}
