/// Values that break naive CEF/syslog encoders (CWE-117) and lenient parsers. Each one is
/// something a real tenant can contain: user-controlled file names, user agents, descriptions.
enum HostileStrings {
    static let samples: [String] = [
        "line one\nline two",
        "carriage\rreturn",
        "crlf\r\nsecond line",
        "pipe|in|the|value",
        "equals=sign key=value",
        "back\\slash\\ and \\n literal",
        "ctrl \u{01}\u{07}\u{08}\u{0B}\u{0C}\u{1B}[31m red \u{7F} tab\there",
        "emoji 🔥👩‍💻🇳🇱 end",
        "RTL override \u{202E}fdp.exe",
        "שלום עולם مرحبا",
        "combining e\u{0301}\u{0308} a\u{030A}",
        "x\nCEF:0|evil|evil|1|100|forged|10|src=6.6.6.6",
        "y\r\n<13>1 2024-01-01T00:00:00Z evil app - - - forged syslog line",
        "msg=injected suser=root cs1=evil",
        "quote \" and apostrophe ' and <html>&amp;",
        "\u{2028}line separator\u{2029}paragraph",
    ]

    /// A hostile value; one in eight is ~10 KB long (for field length limits and UDP size caps).
    static func make(_ rng: inout SplitMix64) -> String {
        if rng.chance(0.125) {
            var s = "long:"
            let unit = "ab|c=d\\e\nf🔥"
            while s.utf8.count < 10_240 { s += unit }
            return s
        }
        return rng.pick(samples)
    }
}
