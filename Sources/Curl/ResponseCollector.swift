import CCurl
import Synchronization

/// Set from the task's cancellation handler (any thread), read by curl's callbacks.
final class CancellationFlag: Sendable {
    private let state = Atomic<Bool>(false)

    func set() { state.store(true, ordering: .releasing) }
    var isSet: Bool { state.load(ordering: .acquiring) }
}

/// The userdata of one transfer's callbacks: collects the final response's headers and body.
///
/// Lives on the transfer's thread only; curl calls the callbacks from inside `curl_multi_perform`.
final class ResponseCollector {
    let maxBytes: Int
    let cancellation: CancellationFlag
    private(set) var headers: [HTTPHeader] = []
    private(set) var body: [UInt8] = []
    /// Set when the write callback refused the body for exceeding `maxBytes`.
    private(set) var exceededLimit = false
    private var presized = false

    /// `storage` is a previous response's body whose capacity may be reused (see
    /// `HTTPEngine.spareBody`); its contents are discarded.
    init(maxBytes: Int, cancellation: CancellationFlag, storage: consuming [UInt8] = []) {
        self.maxBytes = maxBytes
        self.cancellation = cancellation
        // Moved, not copied: a second reference would make the first append reallocate.
        body = consume storage
        body.removeAll(keepingCapacity: true)
    }

    /// One header line as curl delivers it, CRLF included. A status line starts a new response
    /// (a redirect hop, a 100 Continue), so only the final response's headers and body remain.
    func receiveHeaderLine(_ line: UnsafeRawBufferPointer) {
        let text = String(decoding: line, as: UTF8.self)
        let trimmed = text.trimmingSuffix { $0.isNewline }   // "\r\n" is one Character
        if trimmed.hasPrefix("HTTP/") {
            headers.removeAll()
            body.removeAll(keepingCapacity: true)
            presized = false
        } else if let first = trimmed.first, first == " " || first == "\t", !headers.isEmpty {
            // Obsolete line folding (RFC 9112 §5.2): a continuation of the previous value.
            headers[headers.count - 1].value += " " + trimmed.trimmingPrefix { $0 == " " || $0 == "\t" }
        } else if let colon = trimmed.firstIndex(of: ":") {
            let name = String(trimmed[..<colon])
            let value = trimmed[trimmed.index(after: colon)...]
                .trimmingPrefix { $0 == " " || $0 == "\t" }
                .trimmingSuffix { $0 == " " || $0 == "\t" }
            headers.append(HTTPHeader(name: name, value: String(value)))
        }
    }

    /// Appends body bytes (decoded: curl calls this after gzip/deflate/br decoding); false
    /// (curl then fails with CURLE_WRITE_ERROR) once over `maxBytes`, so a compression bomb
    /// stops at the cap however small it was on the wire.
    func receiveBody(_ bytes: UnsafeRawBufferPointer) -> Bool {
        guard bytes.count <= maxBytes - body.count else {
            exceededLimit = true
            return false
        }
        if !presized || body.count + bytes.count > body.capacity {
            presized = true
            // One allocation, never a copy: the exact size when Content-Length gives it (it
            // is the encoded size under Content-Encoding, so only a lower bound there), else
            // the cap at once. Growing by doubling instead left every outgrown buffer behind
            // in the heap (glibc keeps freed chunks below its mmap threshold resident): a
            // hostile endless answer peaked at the cap plus half of it again. Reserved pages
            // not yet written are not resident, so the cap costs address space only.
            // (A Content-Length over the cap never gets here: CURLOPT_MAXFILESIZE refuses it.)
            let needed = body.count + bytes.count
            let exact = isEncoded ? nil : contentLength.flatMap { $0 >= needed ? $0 : nil }
            body.reserveCapacity(min(maxBytes, exact ?? maxBytes))
        }
        body.append(contentsOf: bytes)
        return true
    }

    /// Called with the bytes received so far on the wire (before decoding); false once they
    /// exceed the cap (a body that decodes to little keeps no memory, but the cap is the
    /// documented bound of the transfer either way).
    func receivedOnWire(_ count: Int64) -> Bool {
        guard count <= Int64(maxBytes) else {
            exceededLimit = true
            return false
        }
        return true
    }

    private var isEncoded: Bool {
        headers.contains { $0.name.lowercased() == "content-encoding" && $0.value.lowercased() != "identity" }
    }

    private var contentLength: Int? {
        headers.last { $0.name.lowercased() == "content-length" }.flatMap { Int($0.value) }
    }
}

@available(*, unavailable)
extension ResponseCollector: Sendable {}

extension StringProtocol {
    fileprivate func trimmingSuffix(while predicate: (Character) -> Bool) -> SubSequence {
        var end = endIndex
        while end > startIndex, predicate(self[index(before: end)]) { end = index(before: end) }
        return self[startIndex..<end]
    }
}

// The C callbacks. They capture nothing; the collector arrives as unretained userdata, kept
// alive by `HTTPEngine.perform` for the whole transfer.

let collectorWriteCallback: curl_write_callback = { data, size, count, userdata in
    guard let userdata else { return 0 }
    let collector = Unmanaged<ResponseCollector>.fromOpaque(userdata).takeUnretainedValue()
    let bytes = UnsafeRawBufferPointer(start: data, count: size * count)
    return collector.receiveBody(bytes) ? size * count : 0
}

let collectorHeaderCallback: curl_write_callback = { data, size, count, userdata in
    guard let userdata else { return 0 }
    let collector = Unmanaged<ResponseCollector>.fromOpaque(userdata).takeUnretainedValue()
    collector.receiveHeaderLine(UnsafeRawBufferPointer(start: data, count: size * count))
    return size * count
}

/// Returning non-zero makes curl abort with CURLE_ABORTED_BY_CALLBACK: how cancellation lands.
/// Also how the on-wire size cap lands (`dlnow` is the bytes received, before decoding).
let collectorXferinfoCallback: curl_xferinfo_callback = { userdata, _, dlnow, _, _ in
    guard let userdata else { return 0 }
    let collector = Unmanaged<ResponseCollector>.fromOpaque(userdata).takeUnretainedValue()
    if collector.cancellation.isSet { return 1 }
    return collector.receivedOnWire(Int64(dlnow)) ? 0 : 1
}
