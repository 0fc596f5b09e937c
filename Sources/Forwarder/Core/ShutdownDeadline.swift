import Synchronization

/// The one deadline of a graceful stop (PRODUCT §7): set when SIGTERM arrives, it bounds every
/// delivery still in progress, every output's flush and close, across all outputs and streams,
/// so that the stop as a whole ends inside the service group's
/// `maximumGracefulShutdownDuration` (and so systemd's `TimeoutStopSec`), however many
/// outputs are configured. A grace per operation added up past both.
public final class ShutdownDeadline: Sendable {
    /// From SIGTERM to the last abandoned write: below the group's 10 s
    /// (`Commands.gracefulShutdownLimit`), leaving time for the final checkpoint.
    public static let budget: Duration = .seconds(7)

    public let clock: any ForwarderClock
    private let budget: Duration
    private let deadline = Mutex<Duration?>(nil)

    public init(clock: any ForwarderClock, budget: Duration = ShutdownDeadline.budget) {
        self.clock = clock
        self.budget = budget
    }

    /// Graceful shutdown began: fixes the deadline (the first call wins) and returns it.
    @discardableResult
    public func start() -> Duration {
        let now = clock.now
        return deadline.withLock { d in
            if let d { return d }
            d = now + budget
            return now + budget
        }
    }

    /// The deadline, nil while no stop began.
    public var instant: Duration? { deadline.withLock { $0 } }
}
