/// SplitMix64 (Steele, Lea, Flood 2014): a tiny seeded generator whose output is the same on
/// every platform and Swift version, unlike `SystemRandomNumberGenerator`, so a seed always
/// reproduces the same data and the same faults.
struct SplitMix64: RandomNumberGenerator, Sendable {
    private var state: UInt64

    init(seed: UInt64) { state = seed }

    /// A generator for item `index` of stream `stream`, independent of how many numbers other
    /// items consumed: record N is the same whatever was generated before it.
    init(seed: UInt64, stream: UInt64, index: UInt64) {
        var mixer = SplitMix64(seed: seed ^ (stream &* 0x9E37_79B9_7F4A_7C15))
        state = mixer.next() ^ (index &* 0xBF58_476D_1CE4_E5B9)
        _ = next()
    }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// A uniform integer in `range` (seeded; never Swift's global random).
    mutating func int(_ range: ClosedRange<Int>) -> Int {
        Int.random(in: range, using: &self)
    }

    /// True with probability `p`.
    mutating func chance(_ p: Double) -> Bool {
        guard p > 0 else { return false }
        return Double(next() >> 11) / Double(1 << 53) < p
    }

    /// One element of a non-empty array.
    mutating func pick<T>(_ items: [T]) -> T {
        items[Int(next() % UInt64(items.count))]
    }

    /// `count` random bytes as lowercase hex.
    mutating func hex(_ count: Int) -> String {
        var out = ""
        out.reserveCapacity(count * 2)
        let digits = Array("0123456789abcdef")
        for _ in 0..<count {
            let b = next()
            out.append(digits[Int(b & 0xF)])
            out.append(digits[Int((b >> 4) & 0xF)])
        }
        return out
    }

    /// A random RFC 4122-shaped UUID string.
    mutating func uuid() -> String {
        let h = hex(16)
        let c = Array(h)
        return String(c[0..<8]) + "-" + String(c[8..<12]) + "-4" + String(c[13..<16]) + "-"
            + String(c[16..<20]) + "-" + String(c[20..<32])
    }
}
