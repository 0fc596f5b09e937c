import Dispatch
import Foundation

/// Waits for the first of some signals, delivered through DispatchSource (never a C handler
/// that runs Swift code). Owned by one task.
final class SignalWaiter {
    private let stream: AsyncStream<Int32>
    private let sources: [any DispatchSourceSignal]

    init(signals: [Int32]) {
        let (stream, continuation) = AsyncStream.makeStream(of: Int32.self)
        self.stream = stream
        sources = signals.map { sig in
            signal(sig, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: sig, queue: .global())
            source.setEventHandler { continuation.yield(sig) }
            source.resume()
            return source
        }
    }

    func wait() async -> Int32 {
        for await sig in stream { return sig }
        return 0
    }
}

@available(*, unavailable) extension SignalWaiter: Sendable {}
