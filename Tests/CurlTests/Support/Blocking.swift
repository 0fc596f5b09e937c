import Dispatch

/// Runs blocking work (sockets, CurlStream, processes) on a GCD thread, never the cooperative pool.
func onThread<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        DispatchQueue(label: "curl-tests.blocking").async {
            continuation.resume(with: Result { try body() })
        }
    }
}
