/// A token or client secret. Printing it — in a log line, an error, `check-config` output or a
/// debugger — shows `<redacted>`; only `reveal()` gives the text, at the point of use.
public struct Secret: Sendable, Equatable, CustomStringConvertible, CustomDebugStringConvertible,
    CustomReflectable
{
    private let value: String

    public init(_ value: String) { self.value = value }

    /// The secret's text; call it only to build the request that needs it.
    public func reveal() -> String { value }

    public var description: String { "<redacted>" }
    public var debugDescription: String { "<redacted>" }
    public var customMirror: Mirror { Mirror(self, children: [], displayStyle: .struct) }
}
