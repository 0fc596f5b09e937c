import Formats
import Logging
import Outputs
import ServiceLifecycle
import ServiceLifecycleTestKit
import Testing
@testable import Forwarder

/// One shutdown deadline for the process (issue 18 item 5): after SIGTERM every output's
/// write, flush and close ends by the same instant, however many outputs there are.
@Suite struct ShutdownDeadlineTests {
    /// An output whose writes and close never return (a receiver that stopped reading).
    final class StuckOutput: Output, Sendable {
        let name: String
        let clock: TestClock
        init(name: String, clock: TestClock) {
            self.name = name
            self.clock = clock
        }
        func deliver(_ messages: MessageBatch) async throws(OutputError) { try? await clock.sleep(for: .seconds(1_000_000_000)) }
        func probe() async throws(OutputError) {}
        func reopen() async {}
        func shutdown() async { try? await clock.sleep(for: .seconds(1_000_000_000)) }
    }

    @Test(.timeLimit(.minutes(1))) func threeStuckOutputsCloseByOneDeadline() async {
        let clock = TestClock()
        let deadline = ShutdownDeadline(clock: clock, budget: .seconds(7))
        let encoder = MessageEncoder(options: MessageOptions(format: .json, syslog: .none, maxMessageBytes: 1 << 20))
        let slots = (0..<3).map { Delivery.Slot(output: StuckOutput(name: "stuck\($0)", clock: clock), encoder: encoder) }
        let delivery = Delivery(slots: slots, logger: Logger(label: "deadline"), giveUpAfter: nil, shutdownDeadline: deadline)
        await testGracefulShutdown { shutdown in
            clock.advance(by: .seconds(100))
            shutdown.triggerGracefulShutdown()
            #expect(deadline.start() == .seconds(107), "the deadline is the stop's instant plus the budget")
            let stop = Task { await delivery.shutdown() }
            _ = await clock.nextSleep()
            clock.advance(by: .seconds(7))
            await stop.value
            #expect(clock.now == .seconds(107), "all three closes ended at the one deadline, not 3 × a grace")
        }
    }

    @Test func theFirstStartFixesTheDeadline() {
        let clock = TestClock()
        let deadline = ShutdownDeadline(clock: clock, budget: .seconds(7))
        #expect(deadline.instant == nil)
        #expect(deadline.start() == .seconds(7))
        clock.advance(by: .seconds(5))
        #expect(deadline.start() == .seconds(7), "a later operation gets what is left, not a fresh grace")
        #expect(ShutdownDeadline.budget < .seconds(10), "inside maximumGracefulShutdownDuration")
    }
}
