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
    let cefAlert: CEFAlertEncoder
    let header: Header
    /// The same header with MSGID ``MessageOptions/alertMessageID`` (RFC 5424; the RFC 3164
    /// header has no MSGID and is shared).
    let alertHeader: Header

    enum Header: Sendable {
        case rfc5424(SyslogHeader5424)
        case rfc3164(SyslogHeader3164)
        case none
    }

    public init(options: MessageOptions) {
        self.options = options
        cef = CEFEncoder(options: options.cef)
        cefAlert = CEFAlertEncoder(options: options.cef)
        header = Self.header(options, messageID: options.messageID)
        alertHeader = Self.header(options, messageID: options.alertMessageID)
    }

    private static func header(_ options: MessageOptions, messageID: String) -> Header {
        switch options.syslog {
        case .rfc5424:
            .rfc5424(SyslogHeader5424(
                facility: options.facility, severity: options.severity, hostname: options.hostname,
                appName: options.appName, processID: options.processID, messageID: messageID))
        case .rfc3164:
            .rfc3164(SyslogHeader3164(
                facility: options.facility, severity: options.severity, hostname: options.hostname,
                appName: options.appName, processID: options.processID))
        case .none:
            .none
        }
    }

    /// One message (no framing, no trailing newline), truncated to maxMessageBytes on a UTF-8 boundary.
    public func encode(_ record: ActivityRecord, now: Date, into buffer: inout [UInt8]) {
        encode(record, unixMilliseconds: Self.unixMilliseconds(now), into: &buffer)
    }

    /// As ``encode(_:now:into:)`` with the time as Unix milliseconds.
    public func encode(_ record: ActivityRecord, unixMilliseconds: Int64, into buffer: inout [UInt8]) {
        let start = buffer.count
        Self.reserve(estimate: 1024 + (options.format == .json ? record.rawJSON.count : 0), in: &buffer)
        header.append(unixMilliseconds: unixMilliseconds, into: &buffer)
        let payloadStart = buffer.count
        switch options.format {
        case .cef: cef.encode(record, into: &buffer)
        case .json: JSONLine.append(record.rawJSON, into: &buffer)
        }
        cap(&buffer, start: start, payloadStart: payloadStart)
    }

    /// One alert message (PRODUCT §9): the agent's alert CEF line, or with `format: json` the
    /// alert as received; RFC 5424 MSGID ``MessageOptions/alertMessageID``; the same cap.
    /// - Parameter closure: a closure line (`resolutions: true`): CEF appends
    ///   `cs5Label=resolutionStatus cs5=<name>`; JSON sends the record as received (it carries
    ///   `resolutionStatusValue`).
    public func encode(_ alert: AlertRecord, closure: Bool = false, unixMilliseconds: Int64, into buffer: inout [UInt8]) {
        let start = buffer.count
        Self.reserve(estimate: 1024 + (options.format == .json ? alert.rawJSON.count : 0), in: &buffer)
        alertHeader.append(unixMilliseconds: unixMilliseconds, into: &buffer)
        let payloadStart = buffer.count
        switch options.format {
        case .cef: cefAlert.encode(alert, closure: closure, into: &buffer)
        case .json: JSONLine.append(alert.rawJSON, into: &buffer)
        }
        cap(&buffer, start: start, payloadStart: payloadStart)
    }

    /// maxMessageBytes, cut on a UTF-8 boundary (and never after a lone escape backslash).
    private func cap(_ buffer: inout [UInt8], start: Int, payloadStart: Int) {
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

    /// Milliseconds since 1970, rounded down.
    public static func unixMilliseconds(_ date: Date) -> Int64 {
        Int64((date.timeIntervalSince1970 * 1000).rounded(.down))
    }
}

extension MessageEncoder.Header {
    func append(unixMilliseconds: Int64, into buffer: inout [UInt8]) {
        switch self {
        case .rfc5424(let h): h.append(unixMilliseconds: unixMilliseconds, into: &buffer)
        case .rfc3164(let h): h.append(unixMilliseconds: unixMilliseconds, into: &buffer)
        case .none: break
        }
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
