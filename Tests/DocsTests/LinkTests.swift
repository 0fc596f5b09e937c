import Foundation
import Testing

/// Relative links between the guides resolve: the file exists and, for `file.md#anchor`, the
/// file has a heading with that anchor (GitHub's rule: lower case, punctuation dropped, spaces
/// to hyphens). The README stays a front page.
struct LinkTests {
    /// GitHub's anchor for a heading text.
    static func anchor(_ heading: String) -> String {
        String(heading.lowercased().unicodeScalars.filter { CharacterSet.alphanumerics.contains($0) || $0 == "-" || $0 == " " || $0 == "_" }
            .map(Character.init)).replacingOccurrences(of: " ", with: "-")
    }

    /// The anchors of a Markdown file's headings (outside code fences).
    static func anchors(_ relative: String) throws -> Set<String> {
        var fenced = false
        var result: Set<String> = []
        for line in try Repository.text(relative).split(separator: "\n", omittingEmptySubsequences: false) {
            if line.hasPrefix("```") { fenced.toggle(); continue }
            guard !fenced, line.hasPrefix("#") else { continue }
            let text = line.drop { $0 == "#" }
            guard text.hasPrefix(" ") else { continue }
            result.insert(anchor(String(text.dropFirst())))
        }
        return result
    }

    @Test func relativeLinksResolve() throws {
        var broken: [String] = []
        for file in try Repository.markdownFiles() {
            let text = try Repository.text(file)
            let base = (file as NSString).deletingLastPathComponent
            for match in text.matches(of: try Regex(#"\]\(([^)\s]+)\)"#)) {
                let target = String(match.output[1].substring ?? "")
                guard !target.hasPrefix("http"), !target.hasPrefix("mailto:") else { continue }
                let parts = target.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false)
                let path = parts[0].isEmpty ? file : ((base.isEmpty ? "" : base + "/") + parts[0] as NSString).standardizingPath
                guard FileManager.default.fileExists(atPath: Repository.path(path)) else {
                    broken.append("\(file): \(target) (no such file)")
                    continue
                }
                if parts.count == 2, path.hasSuffix(".md"), try !Self.anchors(path).contains(String(parts[1])) {
                    broken.append("\(file): \(target) (no such heading)")
                }
            }
        }
        #expect(broken.isEmpty, "\(broken.joined(separator: "\n"))")
    }

    @Test func readmeIsAFrontPage() throws {
        let readme = try Repository.text("README.md")
        #expect(readme.split(separator: "\n", omittingEmptySubsequences: false).count < 400)
        #expect(readme.contains("## Contents"))
        // Every guide under docs/ is linked from the README.
        for guide in try Repository.markdownFiles().filter({ $0.hasPrefix("docs/") }) {
            #expect(readme.contains("(\(guide))") || readme.contains("(\(guide)#"), "README does not link \(guide)")
        }
    }
}
