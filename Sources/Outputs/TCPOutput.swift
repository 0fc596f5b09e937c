#if canImport(Glibc)
import Glibc
#endif
import Formats
import POSIX

/// `tcp://host:port`: POSIX socket, non-blocking with poll for connect and write timeouts.
enum TCPOutput {
    static func make(config: OutputConfig, host: String, port: Int) -> any Output {
        let connectMs = pollMilliseconds(config.connectTimeout)
        let writeMs = pollMilliseconds(config.writeTimeout)
        let name = config.name, url = config.url
        return QueueConfinedOutput(StreamOutput(
            name: name, url: url, framing: config.framing ?? .lf,
            cap: MessageCap(limit: config.maxMessageBytes)
        ) { () throws(OutputError) -> any ByteStream in
            let socket = try connectStream(host: host, port: port, timeoutMs: connectMs, name: name, url: url)
            return TCPStream(socket: socket, writeTimeoutMs: writeMs, name: name, url: url)
        })
    }

    /// Tries each resolved address in turn (IPv6 and IPv4), as getaddrinfo orders them.
    static func connectStream(host: String, port: Int, timeoutMs: Int32, name: String, url: String) throws(OutputError) -> Socket {
        let addresses: [Socket.Address]
        do throws(SystemCallError) {
            addresses = try Socket.resolve(host: host, port: port, type: streamSocket)
        } catch {
            throw OutputError(kind: .resolve, output: name, url: url, operation: "resolve \(host)", reason: error.call)
        }
        var failures: [String] = []
        for address in addresses {
            do throws(SystemCallError) {
                return try Socket.connect(address, type: streamSocket, timeoutMs: timeoutMs)
            } catch {
                failures.append("\(address.text): \(error.call): \(error.text)")
            }
        }
        throw OutputError(kind: .connect, output: name, url: url, operation: "connect to \(host):\(port)",
                          reason: failures.isEmpty ? "no address" : failures.joined(separator: "; "))
    }
}

/// A plain TCP connection.
final class TCPStream: ByteStream {
    let socket: Socket
    let writeTimeoutMs: Int32
    let name: String, url: String

    init(socket: Socket, writeTimeoutMs: Int32, name: String, url: String) {
        self.socket = socket
        self.writeTimeoutMs = writeTimeoutMs
        self.name = name
        self.url = url
    }

    func send(_ bytes: UnsafeRawBufferPointer) throws(OutputError) {
        do throws(SystemCallError) {
            try socket.sendAll(bytes, timeoutMs: writeTimeoutMs)
        } catch {
            throw failure(error)
        }
    }

    func waitUntilAcknowledged() throws(OutputError) {
        do throws(SystemCallError) {
            try socket.waitUntilAcknowledged(timeoutMs: writeTimeoutMs)
        } catch {
            throw failure(error)
        }
    }

    private func failure(_ error: SystemCallError) -> OutputError {
        let kind: OutputError.Kind = error.code == EPIPE || error.code == ECONNRESET ? .closed : .write
        return OutputError(kind: kind, output: name, url: url, operation: error.call, reason: error.text)
    }

    func isPeerClosed() -> Bool { socket.isPeerClosed() }

    func close() { socket.close() }
}

@available(*, unavailable)
extension TCPStream: Sendable {}
