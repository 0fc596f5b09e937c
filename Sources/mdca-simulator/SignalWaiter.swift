import Dispatch
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Write end of the self-pipe; set once before any handler is installed, then only read by the
/// handler (an `Int32` load and `write(2)`, both async-signal-safe).
private nonisolated(unsafe) var signalPipeWriteEnd: Int32 = -1

/// Waits for SIGINT/SIGTERM with the self-pipe trick: the handler only writes one byte, and
/// a queue of our own blocks in `read(2)`. Simple, and independent of how libdispatch routes
/// signals on Linux (signalfd).
struct SignalWaiter: Sendable {
    private let readEnd: Int32

    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    init(signals: [Int32]) throws {
        var fds: [Int32] = [-1, -1]
        guard pipe(&fds) == 0 else { throw Failure(description: "pipe() for signal handling failed: errno \(errno)") }
        readEnd = fds[0]
        signalPipeWriteEnd = fds[1]
        for sig in signals {
            var action = sigaction()
            #if canImport(Glibc)
            action.__sigaction_handler.sa_handler = { sig in
                var byte = UInt8(truncatingIfNeeded: sig)
                _ = write(signalPipeWriteEnd, &byte, 1)
            }
            #else
            action.__sigaction_u.__sa_handler = { sig in
                var byte = UInt8(truncatingIfNeeded: sig)
                _ = write(signalPipeWriteEnd, &byte, 1)
            }
            #endif
            sigemptyset(&action.sa_mask)
            action.sa_flags = SA_RESTART
            guard sigaction(sig, &action, nil) == 0 else {
                throw Failure(description: "sigaction(\(sig)) failed: errno \(errno)")
            }
        }
    }

    /// The first signal received; the blocking read runs on a queue of its own.
    func wait() async -> Int32 {
        let fd = readEnd
        return await withCheckedContinuation { continuation in
            DispatchQueue(label: "mdca-simulator.signals").async {
                var byte: UInt8 = 0
                while true {
                    let n = read(fd, &byte, 1)
                    if n == 1 { break }
                    if n < 0 && errno == EINTR { continue }
                    byte = 0  // pipe closed or failed: treat as a stop request
                    break
                }
                continuation.resume(returning: Int32(byte))
            }
        }
    }
}
