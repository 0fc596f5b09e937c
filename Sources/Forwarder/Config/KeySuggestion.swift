import Foundation

/// "Did you mean" for unknown keys: the closest valid key by edit distance, when close enough
/// to be a typo (`pagesize` -> `page_size`).
enum KeySuggestion {
    static func closest(to key: String, in candidates: [String]) -> String? {
        let normalized = key.lowercased().replacingOccurrences(of: "-", with: "_")
        var best: (name: String, distance: Int)?
        for candidate in candidates {
            let distance = editDistance(Array(normalized.unicodeScalars), Array(candidate.unicodeScalars))
            if let current = best, current.distance <= distance { continue }
            best = (candidate, distance)
        }
        guard let best else { return nil }
        // Allow about one edit per three characters, at least two: `pagesize`, `pollinterval`,
        // `levl` are typos; `foo` for `log` is not.
        return best.distance <= max(2, key.count / 3) ? best.name : nil
    }

    /// Levenshtein distance (insert, delete, substitute), two rows.
    static func editDistance(_ a: [Unicode.Scalar], _ b: [Unicode.Scalar]) -> Int {
        if a.isEmpty { return b.count }
        if b.isEmpty { return a.count }
        var previous = Array(0...b.count)
        var current = [Int](repeating: 0, count: b.count + 1)
        for i in 1...a.count {
            current[0] = i
            for j in 1...b.count {
                let cost = a[i - 1] == b[j - 1] ? 0 : 1
                current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            }
            swap(&previous, &current)
        }
        return previous[b.count]
    }
}
