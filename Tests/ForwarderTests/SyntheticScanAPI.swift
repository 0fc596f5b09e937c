import Foundation
import Synchronization
import TestSupport
#if canImport(Glibc)
import Glibc
#endif

/// A scan-only Activities API that computes its pages instead of storing records, so a test
/// can stream millions of small activities without holding them: record `n` is
/// `{"_id":"s<n, 9 digits>","created":base+n,…}` (~150 bytes), one per millisecond. It answers
/// `POST /api/v1/activities/` from the request's `created` bounds (`gte`/`gt`, `lte`) and
/// `limit`, with `nextQueryFilters` as the service does; every answer closes its connection.
final class SyntheticScanAPI: Sendable {
    let port: UInt16
    let count: Int
    let baseMs: Int64
    private let listener: Int32
    private let answered = Atomic<Int>(0)

    init(count: Int, baseMs: Int64) throws {
        self.count = count
        self.baseMs = baseMs
        port = try FreePort.tcp()
        let fd = try LoopbackListener.open(port: port)
        listener = fd
        Thread { [self] in
            while true {
                let connection = accept(fd, nil, nil)
                guard connection >= 0 else {
                    if errno == EINTR { continue }
                    return  // the listener was closed
                }
                let body = Self.readBody(connection)
                _ = Self.write(connection, answer(to: body))
                shutdown(connection, Int32(SHUT_RDWR))
                close(connection)
                answered.add(1, ordering: .relaxed)
            }
        }.start()
    }

    var url: String { "http://127.0.0.1:\(port)" }
    var pages: Int { answered.load(ordering: .relaxed) }
    /// `created` of the last record.
    var lastCreatedMs: Int64 { baseMs + Int64(count - 1) }

    func stop() {
        shutdown(listener, Int32(SHUT_RDWR))
        close(listener)
    }

    /// The HTTP answer to one scan request body.
    private func answer(to body: [UInt8]) -> [UInt8] {
        let request = (try? JSONSerialization.jsonObject(with: Data(body))) as? [String: Any] ?? [:]
        let created = (request["filters"] as? [String: Any])?["created"] as? [String: Any] ?? [:]
        let gte = (created["gte"] as? NSNumber)?.int64Value ?? ((created["gt"] as? NSNumber).map { $0.int64Value + 1 } ?? 0)
        let lte = (created["lte"] as? NSNumber)?.int64Value ?? Int64.max
        let limit = max(1, min((request["limit"] as? NSNumber)?.intValue ?? 500, 5000))
        let first = max(0, Int(clamping: gte - baseMs))
        let end = min(count, Int(clamping: min(lte, lastCreatedMs) - baseMs + 1))
        let last = min(end, first + limit)
        var json = Array(#"{"data":["#.utf8)
        json.reserveCapacity(160 * max(0, last - first) + 200)
        for n in first..<max(first, last) {
            if n > first { json.append(UInt8(ascii: ",")) }
            let ms = baseMs + Int64(n)
            let id = String(n)
            json += Array(#"{"_id":"s\#(String(repeating: "0", count: max(0, 9 - id.count)))\#(id)","created":\#(ms),"timestamp":\#(ms),"eventTypeValue":"EVENT_CATEGORY_LOGIN","appId":11161,"description":"synthetic activity"}"#.utf8)
        }
        let hasNext = last < end
        json += Array(#"],"hasNext":\#(hasNext)"#.utf8)
        if hasNext {
            json += Array(#","nextQueryFilters":{"created":{"gte":\#(baseMs + Int64(last)),"lte":\#(lte)}}"#.utf8)
        }
        json += Array(#","total":\#(max(0, end - first))}"#.utf8)
        let head = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: \(json.count)\r\nConnection: close\r\n\r\n"
        return Array(head.utf8) + json
    }

    /// The request's body (after the head, Content-Length bytes).
    private static func readBody(_ fd: Int32) -> [UInt8] {
        var data: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 16 << 10)
        while true {
            let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if n <= 0 { return [] }
            data += buffer[..<n]
            guard let end = data.firstRange(of: Array("\r\n\r\n".utf8)) else { continue }
            let head = String(decoding: data[..<end.lowerBound], as: UTF8.self).lowercased()
            let length = head.split(separator: "\r\n").first { $0.hasPrefix("content-length:") }
                .flatMap { Int($0.dropFirst("content-length:".count).trimmingCharacters(in: .whitespaces)) } ?? 0
            if data.count - end.upperBound >= length { return Array(data[end.upperBound...]) }
        }
    }

    private static func write(_ fd: Int32, _ bytes: [UInt8]) -> Bool {
        var offset = 0
        while offset < bytes.count {
            let n = bytes[offset...].withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else { return false }
            offset += n
        }
        return true
    }
}

/// A TCP receiver that only counts LF-terminated lines (memchr: cheap for millions), and can
/// be taken away (listener and connections closed) and brought back on the same port.
final class LineCounter: Sendable {
    let port: UInt16
    private let lines = Atomic<Int>(0)
    private let listener = Mutex<Int32?>(nil)
    private let connections = Mutex<Set<Int32>>([])

    init() throws { port = try FreePort.tcp() }

    var count: Int { lines.load(ordering: .relaxed) }

    func start() throws {
        let fd = try LoopbackListener.open(port: port)
        listener.withLock { $0 = fd }
        Thread { [self] in
            while true {
                let client = accept(fd, nil, nil)
                if client < 0 {
                    if errno == EINTR { continue }
                    return
                }
                connections.withLock { _ = $0.insert(client) }
                Thread { [self] in read(client) }.start()
            }
        }.start()
    }

    /// Closes the listener and resets every open connection: a receiver that went away.
    func stop() {
        if let fd = listener.withLock({ l -> Int32? in defer { l = nil }; return l }) {
            shutdown(fd, Int32(SHUT_RDWR))
            close(fd)
        }
        for fd in connections.withLock({ $0 }) { shutdown(fd, Int32(SHUT_RDWR)) }
    }

    private func read(_ fd: Int32) {
        var buffer = [UInt8](repeating: 0, count: 256 << 10)
        while true {
            let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else { break }
            let found = buffer.withUnsafeBytes { raw -> Int in
                guard var cursor = raw.baseAddress else { return 0 }
                var remaining = n, k = 0
                while remaining > 0, let hit = memchr(cursor, 0x0A, remaining) {
                    k += 1
                    remaining -= cursor.distance(to: UnsafeRawPointer(hit)) + 1
                    cursor = UnsafeRawPointer(hit) + 1
                }
                return k
            }
            lines.add(found, ordering: .relaxed)
        }
        connections.withLock { _ = $0.remove(fd) }
        close(fd)
    }
}
