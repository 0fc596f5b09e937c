import Checkpoint
import Foundation
import Synchronization
import Testing
@testable import Forwarder

/// The two seams the HA leader plugs into (PRODUCT §13): a checkpoint store whose fence can
/// fail, and a permit asked before each batch. Either one refusing stops sending at once,
/// drops what is encoded and is not fatal for `run`.
@Suite struct SeamTests {
    typealias R = ScriptedSource

    /// A store that accepts `allowed` writes, then reports that another instance leads.
    final class FencedStore: CheckpointStore {
        private let state: Mutex<(allowed: Int, saved: [ForwarderState])>
        init(allowed: Int) { state = Mutex((allowed, [])) }
        var location: String { "test://fenced" }
        var saved: [ForwarderState] { state.withLock { $0.saved } }
        func load() async throws(CheckpointError) -> ForwarderState? { state.withLock { $0.saved.last } }
        func save(_ s: ForwarderState) async throws(CheckpointError) {
            let ok = state.withLock { st -> Bool in
                guard st.allowed > 0 else { return false }
                st.allowed -= 1
                st.saved.append(s)
                return true
            }
            if !ok { throw .leadershipLost("leader key owned by collector-b") }
        }
    }

    final class SwitchPermit: SendPermit {
        let allowed = Mutex(true)
        let asked = Mutex(0)
        func mayDeliver() async -> Bool {
            asked.withLock { $0 += 1 }
            return allowed.withLock { $0 }
        }
    }

    @Test func lostFenceStopsSendingAndDropsTheEncodedBatch() async throws {
        let store = FencedStore(allowed: 1)
        let h = try CoreHarness(checkpointEvery: 2, store: store)
        let t = h.startMs
        h.source.enqueue(.page([R.record("a1", created: t + 1), R.record("a2", created: t + 2),
                                R.record("a3", created: t + 3), R.record("a4", created: t + 4)], hasNext: true))
        h.source.enqueue(.page([R.record("a5", created: t + 5)], hasNext: false))
        do {
            _ = try await h.stream.catchUp()
            Issue.record("a lost fence must end the pass")
        } catch {
            guard case .leadershipLost(let reason) = error else {
                Issue.record("expected leadershipLost, got \(error)")
                return
            }
            #expect(reason.contains("collector-b"))
        }
        // First batch (a1, a2) committed through the fence; the second was delivered but its
        // checkpoint refused: nothing after it was sent, and no write followed the refusal.
        #expect(h.delivered() == ["a1", "a2", "a3", "a4"])
        #expect(store.saved.count == 1)
        #expect(store.saved[0].cursor == Cursor(createdMs: t + 2, tieIDs: ["a2"]))
        #expect(ForwarderService.retryDelay(for: .leadershipLost("x"), pollInterval: .seconds(30)) == .seconds(30),
                "not fatal in run: the next poll asks again")
    }

    @Test func refusedPermitSendsNothingAndKeepsTheCursor() async throws {
        let permit = SwitchPermit()
        let h = try CoreHarness(permit: permit)
        let start = h.core.committed
        permit.allowed.withLock { $0 = false }
        h.source.enqueue(.page([R.record("a1", created: h.startMs + 1)], hasNext: false))
        do {
            _ = try await h.stream.catchUp()
            Issue.record("a refused permit must end the pass")
        } catch {
            guard case .leadershipLost = error else {
                Issue.record("expected leadershipLost, got \(error)")
                return
            }
        }
        #expect(h.outputs[0].attempts == 0, "no output saw the batch")
        #expect(h.core.committed == start)
        #expect(permit.asked.withLock { $0 } == 1)

        // Permit back: the same record is fetched again and sent once.
        permit.allowed.withLock { $0 = true }
        h.source.enqueue(.page([R.record("a1", created: h.startMs + 1)], hasNext: false))
        let result = try await h.stream.catchUp()
        #expect(result.delivered == 1)
        #expect(h.delivered() == ["a1"])
    }
}
