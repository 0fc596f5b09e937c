#if canImport(Glibc)
import Glibc
#endif
import Formats
import POSIX

/// `udp://host:port`: one message per datagram (RFC 5426), each cut to the cap rather than
/// fragmented. Best effort, but never silently wrong: the socket is connected, so the kernel
/// reports an ICMP "port unreachable" (nothing listening) as ECONNREFUSED on a later send or in
/// SO_ERROR, which is checked after each batch. Either makes the batch fail (the core marks the
/// output down, holds the cursor and resends the whole batch later). A receiver host that
/// drops datagrams without answering, or a firewall that filters ICMP, stays undetectable.
///
/// Runs on its own queue, behind `QueueConfinedOutput`.
final class UDPOutput: QueueConfinedBody {
    let name: String
    let url: String
    let host: String
    let port: Int
    let cap: MessageCap
    let writeTimeoutMs: Int32
    private var socket: Socket?

    init(config: OutputConfig, host: String, port: Int) {
        name = config.name
        url = config.url
        self.host = host
        self.port = port
        cap = MessageCap(limit: config.effectiveMaxMessageBytes)
        writeTimeoutMs = pollMilliseconds(config.writeTimeout)
    }

    func deliver(_ messages: MessageBatch) throws(OutputError) {
        try deliverOnQueue(messages)
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
            do throws(SystemCallError) {
                try send(cap.bounded(message), on: active)
            } catch {
                throw failure(error)
            }
        }
        // The ICMP answer to the batch's last datagram has usually arrived by now (on loopback
        // always): a pending error is the receiver saying it is not there.
        do throws(SystemCallError) {
            try active.throwPendingError(call: "send")
        } catch {
            throw failure(error)
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
        guard error.code == ECONNREFUSED else {
            return OutputError(kind: .write, output: name, url: url, operation: "\(error.call) to \(host):\(port)",
                               reason: error.text)
        }
        return OutputError(kind: .connect, output: name, url: url, operation: "send to \(host):\(port)",
                           reason: "\(error.text): the receiver's host answered ICMP port unreachable (nothing listens on that UDP port)")
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

    func probe() throws(OutputError) {
        if socket == nil { socket = try open() }
    }

    func reopen() {}

    func shutdown() {
        socket?.close()
        socket = nil
    }
}
