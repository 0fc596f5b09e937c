import Synchronization

/// The health of each output, shared by the streams that deliver through it: the one source of
/// `output_up` and `output_errors_total` (PRODUCT §10). `Delivery` writes it; the metrics
/// view reads it.
///
/// It lives as long as the process (the engine owns it, a reload does not rebuild it): an
/// output that a reload keeps, by name, keeps its counters; one the reload removes leaves the
/// board, one it adds starts at zero.
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

    /// The outputs of a (new) configuration, in its order.
    public func show(_ names: [String]) {
        entries.withLock { current in
            current = names.map { name in current.first { $0.name == name } ?? Entry(name: name) }
        }
    }

    func failed(_ name: String) {
        entries.withLock {
            guard let i = $0.firstIndex(where: { $0.name == name }) else { return }
            $0[i].up = false
            $0[i].errors += 1
        }
    }

    func accepted(_ name: String) {
        entries.withLock {
            guard let i = $0.firstIndex(where: { $0.name == name }) else { return }
            $0[i].up = true
        }
    }
}
