#if canImport(Glibc)
import Glibc
#endif
import Curl
import Formats
import POSIX

/// `tls://host:port` (RFC 5425): the stream output over a libcurl TLS session (`CurlStream`).
/// Certificate verification is always on; framing defaults to octet-counting (RFC 5425 §4.3).
enum TLSOutput {
    static func make(config: OutputConfig, host: String, port: Int, settings: TLSSettings) -> any Output {
        let name = config.name, url = config.url
        let connectTimeout = config.connectTimeout, writeTimeout = config.writeTimeout
        return QueueConfinedOutput(StreamOutput(
            name: name, url: url, framing: config.framing ?? .octetCounting,
            cap: MessageCap(limit: config.maxMessageBytes)
        ) { () throws(OutputError) -> any ByteStream in
            do throws(CurlError) {
                let stream = try CurlStream(host: host, port: port, tls: settings, connectTimeout: connectTimeout)
                return TLSStream(stream: stream, writeTimeout: writeTimeout, name: name, url: url)
            } catch {
                let kind: OutputError.Kind = switch error.kind {
                case .tls: .tls
                case .resolve: .resolve
                default: .connect
                }
                throw OutputError(kind: kind, output: name, url: url,
                                  operation: "TLS connect to \(host):\(port)", reason: error.description,
                                  failureKind: error.failureKind)
            }
        })
    }
}

/// A TLS session.
final class TLSStream: ByteStream {
    let stream: CurlStream
    let writeTimeout: Duration
    let name: String, url: String

    init(stream: CurlStream, writeTimeout: Duration, name: String, url: String) {
        self.stream = stream
        self.writeTimeout = writeTimeout
        self.name = name
        self.url = url
    }

    func send(_ bytes: UnsafeRawBufferPointer) throws(OutputError) {
        do throws(CurlError) {
            try stream.send(bytes, timeout: writeTimeout)
        } catch {
            throw OutputError(kind: .write, output: name, url: url, operation: "TLS send", reason: error.description,
                              failureKind: error.failureKind)
        }
    }

    /// The socket under the TLS session carries TLS records: all of them acknowledged means
    /// every byte curl accepted reached the receiving host.
    func waitUntilAcknowledged() throws(OutputError) {
        do throws(SystemCallError) {
            try Socket.waitUntilAcknowledged(stream.socketDescriptor, timeoutMs: pollMilliseconds(writeTimeout))
        } catch {
            let kind: OutputError.Kind = error.code == ECONNRESET || error.code == EPIPE ? .closed : .write
            throw OutputError(kind: kind, output: name, url: url, operation: "TLS \(error.call)", reason: error.text)
        }
    }

    func isPeerClosed() -> Bool { stream.isPeerClosed() }

    func close() { stream.close() }
}

@available(*, unavailable)
extension TLSStream: Sendable {}
