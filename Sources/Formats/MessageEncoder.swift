#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import ActivityJSON

/// Turns one activity into one syslog message: header (RFC 5424, RFC 3164 or none) + payload
/// (CEF or JSON), capped at `maxMessageBytes`. Framing is the output's business (``Framing``).
///
/// Built once per output from its options; `encode` is the hot path and only appends bytes.
public struct MessageEncoder: Sendable {
    public let options: MessageOptions
    let cef: CEFEncoder
    let header: Header

    enum Header: Sendable {
        case rfc5424(SyslogHeader5424)
        case rfc3164(SyslogHeader3164)
        case none
    }

    public init(options: MessageOptions) {
        self.options = options
        cef = CEFEncoder(options: options.cef)
        switch options.syslog {
        case .rfc5424:
            header = .rfc5424(SyslogHeader5424(
                facility: options.facility, severity: options.severity, hostname: options.hostname,
                appName: options.appName, processID: options.processID, messageID: options.messageID))
        case .rfc3164:
            header = .rfc3164(SyslogHeader3164(
                facility: options.facility, severity: options.severity, hostname: options.hostname,
                appName: options.appName, processID: options.processID))
        case .none:
            header = .none
        }
    }

    /// One message (no framing, no trailing newline), truncated to maxMessageBytes on a UTF-8
    /// boundary. The syslog timestamp is an input (Unix ms): formatters never read the clock.
    public func encode(_ record: ActivityRecord, unixMilliseconds: Int64, into buffer: inout [UInt8]) {
        let start = buffer.count
        Self.reserve(estimate: 1024 + (options.format == .json ? record.rawJSON.count : 0), in: &buffer)
        switch header {
        case .rfc5424(let h): h.append(unixMilliseconds: unixMilliseconds, into: &buffer)
        case .rfc3164(let h): h.append(unixMilliseconds: unixMilliseconds, into: &buffer)
        case .none: break
        }
        let payloadStart = buffer.count
        switch options.format {
        case .cef: cef.encode(record, into: &buffer)
        case .json: JSONLine.append(record.rawJSON, into: &buffer)
        }
        let limit = max(options.maxMessageBytes, 1)
        if UTF8Truncation.truncate(&buffer, from: start, limit: limit), options.format == .cef {
            Self.dropDanglingEscape(&buffer, from: payloadStart)
        }
    }

    /// A cut right after the `\` of an escape pair would leave a lone backslash that escapes
    /// nothing (or, in a receiver, the frame's end). Every literal backslash is doubled, so an
    /// odd run of trailing backslashes can only come from such a cut: drop one.
    static func dropDanglingEscape(_ buffer: inout [UInt8], from start: Int) {
        var run = 0
        var index = buffer.count - 1
        while index >= start && buffer[index] == 0x5C { run += 1; index -= 1 }
        if run % 2 == 1 { buffer.removeLast() }
    }

    /// Grows geometrically: `reserveCapacity` with a slightly larger size each call would
    /// reallocate on every message.
    static func reserve(estimate: Int, in buffer: inout [UInt8]) {
        let needed = buffer.count + estimate
        if buffer.capacity < needed { buffer.reserveCapacity(max(needed, buffer.capacity * 2)) }
    }
}

/// The `json` payload: the record's JSON as received (already one line).
public enum JSONLine {
    /// Appends `raw`, replacing any LF or CR byte by a space as a last defence: the parser
    /// strips insignificant whitespace and JSON strings cannot hold raw control bytes, so
    /// this only matters for input that is not the parser's.
    public static func append(_ raw: ArraySlice<UInt8>, into buffer: inout [UInt8]) {
        let start = buffer.count
        buffer.append(contentsOf: raw)
        buffer.withUnsafeMutableBufferPointer { all in
            for index in start..<all.count where all[index] == 0x0A || all[index] == 0x0D {
                all[index] = 0x20
            }
        }
    }
}
