/// A small, independent CEF reader for the tests: splits a line back into its seven header
/// fields and its extension key/value pairs, undoing the escapes.
struct ParsedCEF: Equatable {
    var header: [String]              // CEF:0, vendor, product, version, signature, name, severity
    var extensions: [(key: String, value: String)]

    static func == (a: ParsedCEF, b: ParsedCEF) -> Bool {
        a.header == b.header && a.extensions.map(\.key) == b.extensions.map(\.key)
            && a.extensions.map(\.value) == b.extensions.map(\.value)
    }

    subscript(key: String) -> String? { extensions.first { $0.key == key }?.value }
}

enum CEFParseError: Error { case notCEF, header, extensionStart(String) }

func parseCEF(_ line: String) throws -> ParsedCEF {
    let chars = Array(line.unicodeScalars)
    var header: [String] = []
    var current = ""
    var index = 0
    while index < chars.count && header.count < 7 {
        let c = chars[index]
        if c == "\\" && index + 1 < chars.count {
            current.unicodeScalars.append(chars[index + 1])
            index += 2
            continue
        }
        if c == "|" {
            header.append(current)
            current = ""
        } else {
            current.unicodeScalars.append(c)
        }
        index += 1
    }
    guard header.count == 7 else { throw CEFParseError.header }
    guard header[0] == "CEF:0" else { throw CEFParseError.notCEF }
    let ext = Array(chars[index...])

    // A key starts at the beginning or after a space: [A-Za-z0-9]+ followed by '='. A value's
    // own '=' is always escaped, so this is unambiguous.
    func keyLength(at position: Int) -> Int? {
        var end = position
        while end < ext.count, ext[end].isASCII, ext[end].properties.isAlphabetic || ("0"..."9").contains(ext[end]) {
            end += 1
        }
        return end > position && end < ext.count && ext[end] == "=" ? end - position : nil
    }
    var pairs: [(String, String)] = []
    var position = 0
    guard let first = keyLength(at: 0) else { throw CEFParseError.extensionStart(String(String.UnicodeScalarView(ext.prefix(20)))) }
    var keyStart = 0, keyLen = first
    while true {
        let valueStart = keyStart + keyLen + 1
        position = valueStart
        var nextKey: (Int, Int)?
        while position < ext.count {
            if ext[position] == "\\" { position += 2; continue }
            if ext[position] == " ", let length = keyLength(at: position + 1) {
                nextKey = (position + 1, length)
                break
            }
            position += 1
        }
        let valueEnd = min(position, ext.count)
        let key = String(String.UnicodeScalarView(ext[keyStart..<(keyStart + keyLen)]))
        pairs.append((key, unescapeExtension(Array(ext[valueStart..<valueEnd]))))
        guard let (start, length) = nextKey else { break }
        keyStart = start
        keyLen = length
    }
    return ParsedCEF(header: header, extensions: pairs)
}

func unescapeExtension(_ scalars: [Unicode.Scalar]) -> String {
    var out = String.UnicodeScalarView()
    var index = 0
    while index < scalars.count {
        let c = scalars[index]
        if c == "\\" && index + 1 < scalars.count {
            switch scalars[index + 1] {
            case "n": out.append("\n")
            case "r": out.append("\r")
            default: out.append(scalars[index + 1])
            }
            index += 2
        } else {
            out.append(c)
            index += 1
        }
    }
    return String(out)
}

/// The keys of an activity line, in the agent's order.
let agentKeys = [
    "externalId", "rt", "start", "end", "msg", "suser", "destinationServiceName", "dvc",
    "requestClientApplication", "cs1Label", "cs1", "cs2Label", "cs2", "cs3Label", "cs3",
    "cs4Label", "cs4", "c6a1Label", "c6a1",
]
