#if canImport(Glibc)
import Glibc
#endif
import Formats

/// `udp://host:port`: one message per datagram (RFC 5426), each cut to the cap rather than
/// fragmented. A connected socket, so that ICMP "port unreachable" is reported.
///
/// Mutable state lives only on `queue`, hence `@unchecked Sendable`.
final class UDPOutput: Output, @unchecked Sendable {
    let name: String
    let url: String
    let host: String
    let port: Int
    let cap: MessageCap
    let writeTimeoutMs: Int32
    let queue: BlockingQueue
    /// Queue-confined.
    private var socket: Socket?

    init(config: OutputConfig, host: String, port: Int) {
        name = config.name
        url = config.url
        self.host = host
        self.port = port
        cap = MessageCap(limit: config.effectiveMaxMessageBytes)
        writeTimeoutMs = pollMilliseconds(config.writeTimeout)
        queue = BlockingQueue(label: "mdca-forwarder.output.\(config.name)")
    }

    func deliver(_ messages: MessageBatch) async throws(OutputError) {
        guard !messages.isEmpty else { return }
        try await queue.run { [self] () throws(OutputError) in
            try deliverOnQueue(messages)
        }
    }

    private func deliverOnQueue(_ messages: MessageBatch) throws(OutputError) {
        let active: Socket
        if let socket {
            active = socket
        } else {
            active = try open()
            socket = active
        }
        for message in messages {
            let bounded = cap.bounded(message)
            do throws(SystemCallError) {
                try send(bounded, on: active)
            } catch where error.code == ECONNREFUSED {
                // The refusal reported here is the ICMP error of an *earlier* datagram and this
                // one was not sent: try it once more before calling the receiver down.
                do throws(SystemCallError) {
                    try send(bounded, on: active)
                } catch {
                    throw failure(error)
                }
            } catch {
                throw failure(error)
            }
        }
    }

    private func send(_ bytes: ArraySlice<UInt8>, on socket: Socket) throws(SystemCallError) {
        let timeout = writeTimeoutMs
        try withBytes(bytes) { (raw) throws(SystemCallError) in
            try socket.sendDatagram(raw, timeoutMs: timeout)
        }
    }

    private func failure(_ error: SystemCallError) -> OutputError {
        socket?.close()
        socket = nil
        return OutputError(kind: error.code == ECONNREFUSED ? .connect : .write, output: name, url: url,
                           operation: "\(error.call) to \(host):\(port)", reason: error.text)
    }

    private func open() throws(OutputError) -> Socket {
        let addresses: [Socket.Address]
        do throws(SystemCallError) {
            addresses = try Socket.resolve(host: host, port: port, type: datagramSocket)
        } catch {
            throw OutputError(kind: .resolve, output: name, url: url, operation: "resolve \(host)", reason: error.call)
        }
        var failures: [String] = []
        for address in addresses {
            do throws(SystemCallError) {
                return try Socket.connect(address, type: datagramSocket, timeoutMs: 0)
            } catch {
                failures.append("\(address.text): \(error.text)")
            }
        }
        throw OutputError(kind: .connect, output: name, url: url, operation: "open UDP socket to \(host):\(port)",
                          reason: failures.isEmpty ? "no address" : failures.joined(separator: "; "))
    }

    func probe() async throws(OutputError) {
        try await queue.run { [self] () throws(OutputError) in
            if socket == nil { socket = try open() }
        }
    }

    func reopen() async {}

    func shutdown() async {
        await queue.run { [self] in
            socket?.close()
            socket = nil
        }
    }
}
