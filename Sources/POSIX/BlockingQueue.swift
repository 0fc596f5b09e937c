import Dispatch

/// A serial queue for blocking system calls (socket writes, fsync, rename, flock) so they
/// never occupy a thread of Swift's cooperative pool, which has only as many threads as cores
/// (2 here). Each output owns one; the checkpoint store uses one too. It lives in POSIX, the
/// one module every blocking layer already imports (Checkpoint must not import Outputs).
public struct BlockingQueue: Sendable {
    private let queue: DispatchQueue

    public init(label: String) {
        queue = DispatchQueue(label: label)
    }

    /// Runs `work` on the queue and resumes the caller with its result.
    public func run<T: Sendable, E: Error>(_ work: @escaping @Sendable () throws(E) -> T) async throws(E) -> T {
        let result: Result<T, E> = await withCheckedContinuation { continuation in
            queue.async {
                continuation.resume(returning: Result { () throws(E) -> T in try work() })
            }
        }
        return try result.get()
    }
}
