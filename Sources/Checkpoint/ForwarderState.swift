import Foundation

/// Everything the forwarder persists between runs: the cursor and a few counters for `status`.
///
/// Never holds a secret: the file is shown by `mdca-forwarder status` and may end up in bug
/// reports.
public struct ForwarderState: Sendable, Codable, Equatable {
    /// The file format this build writes. 2 added `alerts` (PRODUCT §9).
    public static let currentVersion = 2
    /// The formats this build reads: a version-1 file (activities only) loads with
    /// `alerts == nil` and is written back as version 2 on the next save (upgrade in place).
    public static let readableVersions: ClosedRange<Int> = 1...2

    /// File format version; files with any version outside ``readableVersions`` are refused,
    /// never guessed at.
    public var version: Int
    /// The activities cursor.
    public var cursor: Cursor
    /// When a poll last completed without error (ISO-8601 in the file, millisecond precision).
    public var lastSuccessfulPoll: Date?
    public var counters: Counters
    /// The alerts stream (version 2); nil in an upgraded version-1 file and while alerts were
    /// never enabled.
    public var alerts: AlertStreamState?

    public init(
        cursor: Cursor, lastSuccessfulPoll: Date? = nil, counters: Counters = Counters(), alerts: AlertStreamState? = nil
    ) {
        self.version = Self.currentVersion
        self.cursor = cursor
        self.lastSuccessfulPoll = lastSuccessfulPoll
        self.counters = counters
        self.alerts = alerts
    }

    /// Running totals since the state file was created (they survive restarts).
    public struct Counters: Sendable, Codable, Equatable {
        public var recordsForwarded: UInt64
        public var pagesFetched: UInt64
        /// Records skipped because the cursor already covered them (ties re-listed by the query).
        public var recordsSkipped: UInt64
        /// The last error's description (errors never carry secrets, see PREAMBLE).
        public var lastError: String?
        public var lastErrorAt: Date?
        /// The problem the daemon is stuck on right now (an output down, credentials
        /// refused), cleared when it recovers; what `mdca-forwarder status` shows.
        public var currentProblem: String?

        public init(
            recordsForwarded: UInt64 = 0, pagesFetched: UInt64 = 0, recordsSkipped: UInt64 = 0,
            lastError: String? = nil, lastErrorAt: Date? = nil, currentProblem: String? = nil
        ) {
            self.currentProblem = currentProblem
            self.recordsForwarded = recordsForwarded
            self.pagesFetched = pagesFetched
            self.recordsSkipped = recordsSkipped
            self.lastError = lastError
            self.lastErrorAt = lastErrorAt
        }
    }
}

extension ForwarderState {
    /// Pretty, sorted-keys JSON with ISO-8601 dates (UTC, milliseconds): diffable and stable.
    static func makeEncoder() -> JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .custom { date, encoder in
            var container = encoder.singleValueContainer()
            try container.encode(millisecondText(date))
        }
        return encoder
    }

    /// The date to the nearest millisecond. The formatter truncates, and a parsed `.020` is
    /// 0.0199999…: formatting the middle of the nearest millisecond writes back what was read
    /// (before, half of all dates moved 1 ms earlier at every load and save, found by the
    /// `state-file` fuzz target).
    static func millisecondText(_ date: Date) -> String {
        let milliseconds = (date.timeIntervalSince1970 * 1000).rounded()
        return Date(timeIntervalSince1970: (milliseconds + 0.5) / 1000).formatted(isoStyle)
    }

    static func makeDecoder() -> JSONDecoder {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .custom { decoder in
            let container = try decoder.singleValueContainer()
            let text = try container.decode(String.self)
            // Accept hand-edited files written without fractional seconds too.
            if let date = try? isoStyle.parse(text) { return date }
            if let date = try? Date.ISO8601FormatStyle().parse(text) { return date }
            throw DecodingError.dataCorruptedError(
                in: container, debugDescription: "expected an ISO-8601 date, got \"\(text)\"")
        }
        return decoder
    }

    private static let isoStyle = Date.ISO8601FormatStyle(includingFractionalSeconds: true)
}
