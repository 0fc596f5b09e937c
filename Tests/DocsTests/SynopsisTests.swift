import Foundation
import TestSupport
import Testing

/// The command-line synopsis in the README (```text synopsis) and in mdca-forwarder(8)
/// (`.\" synopsis`) is, line for line, the USAGE of each subcommand's `--help`.
struct SynopsisTests {
    /// `USAGE: …` of `mdca-forwarder <words> --help`, whitespace collapsed (it may wrap).
    static func usage(_ words: [String]) async throws -> (usage: String, help: String) {
        let result = try await ChildProcess.run("mdca-forwarder", words + ["--help"], timeout: .seconds(30))
        let text = result.stdout
        guard let start = text.range(of: "USAGE: ") else { return ("", text) }
        let rest = text[start.upperBound...]
        let end = rest.range(of: "\n\n")?.lowerBound ?? rest.endIndex
        return (collapse(String(rest[..<end])), text)
    }

    static func collapse(_ text: String) -> String {
        text.split(whereSeparator: \.isWhitespace).joined(separator: " ")
    }

    /// The subcommand names a `--help` lists (`run (default)` → `run`).
    static func subcommands(_ help: String) -> [String] {
        guard let start = help.range(of: "SUBCOMMANDS:\n") else { return [] }
        // A name is indented by two spaces; a wrapped abstract by more.
        return help[start.upperBound...].split(separator: "\n").prefix { $0.hasPrefix("  ") && !$0.contains("See '") }
            .filter { !$0.hasPrefix("   ") }
            .compactMap { line in line.split(separator: " ").first.map(String.init) }
            .filter { $0 != "help" }
    }

    /// Every leaf command's usage line, walking nested subcommands (`checkpoint set`).
    static func allUsages() async throws -> Set<String> {
        var usages: Set<String> = []
        var queue: [[String]] = [[]]
        while let words = queue.popLast() {
            let (usage, help) = try await usage(words)
            let children = subcommands(help)
            if children.isEmpty {
                usages.insert(usage)
            } else {
                queue += children.map { words + [$0] }
            }
        }
        return usages
    }

    static func documented(_ block: DocBlock) -> Set<String> {
        Set(block.text.split(separator: "\n").map { line in
            collapse(String(line.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false)[0]))
        }.filter { $0.hasPrefix("mdca-forwarder") })
    }

    @Test func readmeSynopsisMatchesHelp() async throws {
        let blocks = try DocBlocks.markdown("README.md", marker: "text synopsis")
        let block = try #require(blocks.first, "README.md has no ```text synopsis block")
        let help = try await Self.allUsages()
        #expect(help.count >= 7, "\(help)")
        #expect(Self.documented(block) == help, "README \(block): \(Self.documented(block).symmetricDifference(help).sorted())")
    }

    @Test func manPageSynopsisMatchesHelp() async throws {
        let blocks = try DocBlocks.man("man/mdca-forwarder.8", marker: "synopsis")
        let block = try #require(blocks.first, "man/mdca-forwarder.8 has no .\\\" synopsis block")
        let help = try await Self.allUsages()
        #expect(Self.documented(block) == help, "man \(block): \(Self.documented(block).symmetricDifference(help).sorted())")
    }

    /// Every `--flag` of `mdca-simulator --help` is a row of docs/simulator.md's flag table,
    /// and every row is a flag.
    @Test func simulatorFlagsMatchHelp() async throws {
        let help = try await ChildProcess.run("mdca-simulator", ["--help"], timeout: .seconds(30)).stdout
        let flags = Set(help.split(separator: "\n").compactMap { line -> String? in
            let trimmed = line.drop { $0 == " " }
            guard line.hasPrefix("  "), trimmed.hasPrefix("--") else { return nil }
            return String(trimmed.prefix { $0 != " " && $0 != "," })
        }).subtracting(["--help", "--version"])
        var rows: Set<String> = []
        // Rows marked "(newer builds)" document flags that other work adds; they may be absent.
        var newer: Set<String> = []
        for line in try Repository.text("docs/simulator.md").split(separator: "\n") where line.hasPrefix("| `--") {
            let flag = String(line.dropFirst(3).prefix { $0 != " " && $0 != "`" })
            rows.insert(flag)
            if line.contains("(newer builds)") { newer.insert(flag) }
        }
        #expect(flags.count >= 10, "\(help)")
        #expect(flags.subtracting(rows).isEmpty, "in --help, missing from docs/simulator.md: \(flags.subtracting(rows).sorted())")
        let unknown = rows.subtracting(flags).subtracting(newer)
        #expect(unknown.isEmpty, "in docs/simulator.md, unknown to --help: \(unknown.sorted())")
    }
}
