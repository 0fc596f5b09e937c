import Foundation

/// Short, single-line, tag-free text from error bodies (they are often HTML pages, PRODUCT §2).
enum ResponseText {
    /// The longest snippet of a body put into an error message.
    static let snippetLimit = 200

    /// The body as one line: HTML tags, scripts and styles removed, entities for the common
    /// characters decoded, whitespace collapsed, at most `limit` characters.
    static func snippet(_ body: [UInt8], limit: Int = snippetLimit) -> String {
        let text = String(decoding: body.prefix(64 * 1024), as: UTF8.self)
        var out = ""
        var inTag = false
        var skipping: String?   // inside <script> or <style>
        var index = text.startIndex
        while index < text.endIndex {
            let c = text[index]
            if c == "<" {
                let rest = text[index...].prefix(9).lowercased()
                if let closing = skipping {
                    if rest.hasPrefix("</" + closing) { skipping = nil }
                } else if rest.hasPrefix("<script") {
                    skipping = "script"
                } else if rest.hasPrefix("<style") {
                    skipping = "style"
                }
                inTag = true
                out.append(" ")
            } else if c == ">" && inTag {
                inTag = false
            } else if !inTag && skipping == nil {
                out.append(c.isNewline || c == "\t" ? " " : c)
            }
            index = text.index(after: index)
        }
        for (entity, plain) in [("&nbsp;", " "), ("&lt;", "<"), ("&gt;", ">"), ("&quot;", "\""), ("&#39;", "'"), ("&amp;", "&")] {
            out = out.replacingOccurrences(of: entity, with: plain)
        }
        let words = out.split(whereSeparator: { $0 == " " || $0.isWhitespace })
        let line = words.joined(separator: " ")
        // Control characters never reach a log line.
        let visible = String(line.unicodeScalars.filter { $0.value >= 0x20 && $0.value != 0x7F })
        // A body may echo the request (gateways and proxies do): its credentials go before
        // the text is cut, so that no fragment of a secret survives at the cut.
        let clean = SecretScrubber.shared.scrub(visible)
        return clean.count > limit ? String(clean.prefix(limit)) + "…" : clean
    }

    /// The service's message of a 400: `filters[].error` / `errorMessageCode` of
    /// `{"error": true, "filters": [{"error": …, "errorMessageCode": …}]}`, else the body snippet.
    static func badRequestMessage(_ body: [UInt8]) -> String {
        if let object = (try? JSONSerialization.jsonObject(with: Data(body))) as? [String: Any] {
            var parts: [String] = []
            if let filters = object["filters"] as? [[String: Any]] {
                for filter in filters {
                    let error = (filter["error"]).map { "\($0)" } ?? ""
                    let code = (filter["errorMessageCode"]).map { "\($0)" } ?? ""
                    let field = (filter["field"] ?? filter["filter"]).map { "\($0): " } ?? ""
                    let text = [error, code.isEmpty ? "" : "(\(code))"].filter { !$0.isEmpty }.joined(separator: " ")
                    if !text.isEmpty { parts.append(field + text) }
                }
            }
            for key in ["detail", "message", "errorMessage"] {
                if let text = object[key] as? String, !text.isEmpty { parts.append(text) }
            }
            if case let error as String = object["error"], !error.isEmpty { parts.append(error) }
            if !parts.isEmpty { return snippet(Array(parts.joined(separator: "; ").utf8)) }
        }
        let text = snippet(body)
        return text.isEmpty ? "no details in the response" : text
    }
}
