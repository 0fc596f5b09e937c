import Dispatch
import Synchronization

/// An HTTP client over libcurl: one transfer at a time, on the client's own serial queue.
///
/// Requests of one client reuse one easy handle and its keep-alive connections. Use one client
/// per remote service (tenant API, token endpoint) and send from as many tasks as you like:
/// they queue.
public final class HTTPClient: Sendable {
    private let queue = DispatchQueue(label: "mdca.curl.http-client")
    private let engine: Mutex<HTTPEngine>

    public init(options: HTTPClientOptions) throws(CurlError) {
        engine = Mutex(try HTTPEngine(options: options))
    }

    /// Runs the transfer on the client's own thread, never on the cooperative pool.
    /// Task cancellation aborts the transfer promptly (within ~100 ms) with CurlError.Kind.cancelled.
    /// Any HTTP status is a response; only transport failures throw.
    public func send(_ request: HTTPRequest) async throws(CurlError) -> HTTPResponse {
        let cancellation = CancellationFlag()
        let result = await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Result<HTTPResponse, CurlError>, Never>) in
                queue.async {
                    let result = self.engine.withLock { engine -> Result<HTTPResponse, CurlError> in
                        do throws(CurlError) {
                            return .success(try engine.perform(request, cancellation: cancellation))
                        } catch {
                            return .failure(error)
                        }
                    }
                    continuation.resume(returning: result)
                }
            }
        } onCancel: {
            cancellation.set()
        }
        return try result.get()
    }
}
