import Foundation
import MDCA

/// Time as an input of the forwarding core (STYLE.md "Time is an input"): the monotonic clock
/// its step deadlines and waits run on, and the wall clock that scan ranges and STATUS read.
/// Tests pass a clock they advance by hand; nothing in the core reads the system clock itself.
public protocol ForwarderClock: PacingClock {
    /// The current wall-clock time.
    var wall: Date { get }
}

extension ForwarderClock {
    /// The wall clock in Unix milliseconds.
    public var wallMs: Int64 { Int64((wall.timeIntervalSince1970 * 1000).rounded(.down)) }
}

/// The real clocks: `ContinuousClock` (through `SystemPacingClock`) and `Date()`.
public struct SystemForwarderClock: ForwarderClock {
    private let monotonic = SystemPacingClock()

    public init() {}

    public var now: Duration { monotonic.now }
    public var wall: Date { Date() }

    public func sleep(until deadline: Duration) async throws(CancellationError) {
        try await monotonic.sleep(until: deadline)
    }
}
