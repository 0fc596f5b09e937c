import Logging
import ServiceLifecycle

/// A failure of one stream's pass, with the core it belongs to.
public struct StreamFailure: Error {
    public var error: ForwarderError
    public var core: any StreamControl
}

/// One pass of every stream, in turn: they share the tenant's pacer, so running them one
/// after the other costs nothing in throughput and keeps each stream's requests in order.
///
/// Liveness is the process's (PRODUCT §7): the streams not running wait for their turn
/// without a deadline of their own, so a long backfill of one never makes another look
/// wedged; the running stream's steps keep theirs, so a real hang still stops the pings.
struct StreamTurns {
    let logger: Logger

    /// Runs every stream once; the result adds theirs up (completed: all of them did).
    /// `problemCleared` says whether a stream's pass problem cleared (the state file should
    /// show it).
    /// `superseded` says when a reload replaced the outputs: the streams still to run wait
    /// for the next pass, on the new ones.
    func pass(
        _ streams: [any StreamRunning], problemCleared: inout Bool, superseded: @Sendable () -> Bool = { false }
    ) async throws(StreamFailure) -> PassResult {
        var total = PassResult(completed: true)
        for (index, stream) in streams.enumerated() {
            if index > 0, Task.isShuttingDownGracefully || superseded() {
                total.completed = false
                break
            }
            for (other, waiting) in streams.enumerated() where other != index { waiting.control.waitForTurn() }
            let result: PassResult
            do {
                result = try await stream.catchUp()
            } catch {
                throw StreamFailure(error: error, core: stream.control)
            }
            if result.completed, stream.control.report(.pass, nil) { problemCleared = true }
            if !Task.isShuttingDownGracefully {
                logger.info("poll finished", metadata: [
                    "stream": "\(stream.control.stream.rawValue)", "records": "\(result.delivered)", "pages": "\(result.pages)",
                    "cursor": "\(ISO8601.string(ms: stream.control.health.positionMs))",
                ])
            }
            total.delivered += result.delivered
            total.pages += result.pages
            total.completed = total.completed && result.completed
        }
        return total
    }
}
