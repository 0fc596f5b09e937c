import Foundation
import MDCA

/// "Did you mean" for unknown keys: the closest valid key by edit distance, when close enough
/// to be a typo (`pagesize` -> `page_size`).
enum KeySuggestion {
    static func closest(to key: String, in candidates: [String]) -> String? {
        // One Levenshtein for the whole program: MDCA's, also behind the filter-name hints.
        EditDistance.suggestion(for: key.replacingOccurrences(of: "-", with: "_"), among: candidates)
    }
}
