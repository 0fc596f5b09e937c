import Foundation

/// The checked-out repository and the documentation files the tests read.
enum Repository {
    /// Tests/DocsTests/Repository.swift → the repository root.
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    static func path(_ relative: String) -> String { root.appendingPathComponent(relative).path }

    static func text(_ relative: String) throws -> String {
        try String(contentsOfFile: path(relative), encoding: .utf8)
    }

    /// README.md and every Markdown guide under docs/ (relative paths).
    static func markdownFiles() throws -> [String] {
        let docs = try FileManager.default.contentsOfDirectory(atPath: path("docs")).filter { $0.hasSuffix(".md") }.sorted()
        return ["README.md"] + docs.map { "docs/" + $0 }
    }

    /// Every man page under man/ (relative paths).
    static func manPages() throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: path("man"))
            .filter { $0.range(of: #"\.[1-8]$"#, options: .regularExpression) != nil }.sorted().map { "man/" + $0 }
    }
}

/// One block of text lifted out of a document, with where it came from.
struct DocBlock: CustomStringConvertible {
    var file: String
    /// 1-based line of the block's first content line.
    var line: Int
    var text: String

    var description: String { "\(file):\(line)" }
}

/// The blocks the documentation marks for testing.
///
/// Markdown: a fence whose info string is `yaml config` (a configuration) or `text synopsis`
/// (the command line). Man pages: a comment line `.\" yaml config` or `.\" synopsis` followed by
/// an `.EX`/`.nf` block; `\-`, `\e` and `\&` are unescaped.
enum DocBlocks {
    static func markdown(_ file: String, marker: String) throws -> [DocBlock] {
        let lines = try Repository.text(file).components(separatedBy: "\n")
        var blocks: [DocBlock] = []
        var index = 0
        while index < lines.count {
            let trimmed = lines[index].trimmingCharacters(in: .whitespaces)
            if trimmed.hasPrefix("```") {
                let info = trimmed.dropFirst(3).split(separator: " ").joined(separator: " ")
                let start = index + 1
                var end = start
                while end < lines.count, !lines[end].trimmingCharacters(in: .whitespaces).hasPrefix("```") { end += 1 }
                if info == marker {
                    blocks.append(DocBlock(file: file, line: start + 1, text: lines[start..<min(end, lines.count)].joined(separator: "\n") + "\n"))
                }
                index = end + 1
            } else {
                index += 1
            }
        }
        return blocks
    }

    static func man(_ file: String, marker: String) throws -> [DocBlock] {
        let lines = try Repository.text(file).components(separatedBy: "\n")
        var blocks: [DocBlock] = []
        for (index, line) in lines.enumerated() where line.trimmingCharacters(in: .whitespaces) == #".\" "# + marker {
            var body: [String] = []
            var cursor = index + 1
            while cursor < lines.count, [".EX", ".nf"].contains(lines[cursor]) { cursor += 1 }
            let start = cursor
            while cursor < lines.count, ![".EE", ".fi"].contains(lines[cursor]) {
                body.append(unescape(lines[cursor]))
                cursor += 1
            }
            blocks.append(DocBlock(file: file, line: start + 1, text: body.joined(separator: "\n") + "\n"))
        }
        return blocks
    }

    /// The few roff escapes an example needs: `\-` (hyphen), `\e` (backslash), `\&` (nothing).
    static func unescape(_ line: String) -> String {
        var out = ""
        var iterator = line.makeIterator()
        while let c = iterator.next() {
            guard c == "\\" else { out.append(c); continue }
            switch iterator.next() {
            case "-": out.append("-")
            case "e": out.append("\\")
            case "&": break
            case let other?: out.append("\\"); out.append(other)
            case nil: out.append("\\")
            }
        }
        return out
    }

    /// Every marked block in README, docs/ and the man pages.
    static func all(markdown mdMarker: String, man manMarker: String) throws -> [DocBlock] {
        try Repository.markdownFiles().flatMap { try markdown($0, marker: mdMarker) }
            + Repository.manPages().flatMap { try man($0, marker: manMarker) }
    }
}
