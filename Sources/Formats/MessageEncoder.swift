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

    /// What the cap did to one message. The caller counts and logs the rare outcomes.
    public enum Outcome: Sendable, Equatable {
        /// The whole record, as formatted.
        case intact
        /// Over `maxMessageBytes`: CEF cut at the end; JSON with its longest string values
        /// cut and marked (``JSONShortening``).
        case shortened
        /// JSON only: even every string value cut could not fit (thousands of keys), so the
        /// payload is a small object with the record's `_id` and the reason.
        case replaced
    }

    /// One message (no framing, no trailing newline), at most maxMessageBytes: CEF cut on a
    /// UTF-8 boundary, JSON shortened without breaking it. The syslog timestamp is an input
    /// (Unix ms): formatters never read the clock.
    @discardableResult
    public func encode(_ record: ActivityRecord, unixMilliseconds: Int64, into buffer: inout [UInt8]) -> Outcome {
        let start = buffer.count
        Self.reserve(estimate: 1024 + (options.format == .json ? record.rawJSON.count : 0), in: &buffer)
        header.append(unixMilliseconds: unixMilliseconds, into: &buffer)
        let payloadStart = buffer.count
        switch options.format {
        case .cef: cef.encode(record, into: &buffer)
        case .json: JSONLine.append(record.rawJSON, into: &buffer)
        }
        return cap(&buffer, start: start, payloadStart: payloadStart, id: record.id)
    }

    /// One alert message (PRODUCT §9): the agent's alert CEF line, or with `format: json` the
    /// alert as received; RFC 5424 MSGID ``MessageOptions/alertMessageID``; the same cap.
    /// - Parameter closure: a closure line (`resolutions: true`): CEF appends
    ///   `cs5Label=resolutionStatus cs5=<name>`; JSON sends the record as received (it carries
    ///   `resolutionStatusValue`).
    @discardableResult
    public func encode(_ alert: AlertRecord, closure: Bool = false, unixMilliseconds: Int64, into buffer: inout [UInt8]) -> Outcome {
        let start = buffer.count
        Self.reserve(estimate: 1024 + (options.format == .json ? alert.rawJSON.count : 0), in: &buffer)
        alertHeader.append(unixMilliseconds: unixMilliseconds, into: &buffer)
        let payloadStart = buffer.count
        switch options.format {
        case .cef: cefAlert.encode(alert, closure: closure, into: &buffer)
        case .json: JSONLine.append(alert.rawJSON, into: &buffer)
        }
        return cap(&buffer, start: start, payloadStart: payloadStart, id: alert.id)
    }

    /// maxMessageBytes: CEF cut on a UTF-8 boundary (never after a lone escape backslash),
    /// JSON shortened without breaking its structure.
    private func cap(_ buffer: inout [UInt8], start: Int, payloadStart: Int, id: String) -> Outcome {
        let limit = max(options.maxMessageBytes, 1)
        switch options.format {
        case .cef:
            guard UTF8Truncation.truncate(&buffer, from: start, limit: limit) else { return .intact }
            Self.dropDanglingEscape(&buffer, from: payloadStart)
            return .shortened
        case .json:
            guard buffer.count - start > limit else { return .intact }
            if JSONShortening.shorten(&buffer, messageStart: start, payloadStart: payloadStart, limit: limit) {
                return .shortened
            }
            JSONShortening.appendReplacement(id: id, originalBytes: buffer.count - payloadStart, limit: limit,
                                             into: &buffer, messageStart: start, payloadStart: payloadStart)
            // Only a header longer than the cap itself (not possible with the configuration's
            // bounds) leaves something to cut.
            UTF8Truncation.truncate(&buffer, from: start, limit: limit)
            return .replaced
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

extension MessageEncoder.Header {
    func append(unixMilliseconds: Int64, into buffer: inout [UInt8]) {
        switch self {
        case .rfc5424(let h): h.append(unixMilliseconds: unixMilliseconds, into: &buffer)
        case .rfc3164(let h): h.append(unixMilliseconds: unixMilliseconds, into: &buffer)
        case .none: break
        }
    }
}
