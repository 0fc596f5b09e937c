/// SplitMix64 (Steele, Lea, Flood 2014): a tiny seeded generator whose output is the same on
/// every platform and Swift version, unlike `SystemRandomNumberGenerator`, so a seed always
/// reproduces the same data and the same faults. Public: the property tests of other modules
/// use it for the same reason.
public struct SplitMix64: RandomNumberGenerator, Sendable {
    private var state: UInt64

    public init(seed: UInt64) { state = seed }

    /// A generator for item `index` of stream `stream`, independent of how many numbers other
    /// items consumed: record N is the same whatever was generated before it.
    init(seed: UInt64, stream: UInt64, index: UInt64) {
        var mixer = SplitMix64(seed: seed ^ (stream &* 0x9E37_79B9_7F4A_7C15))
        state = mixer.next() ^ (index &* 0xBF58_476D_1CE4_E5B9)
        _ = next()
    }

    public mutating func next() -> UInt64 {
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
        String(unsafeUninitializedCapacity: count * 2) { buffer in
            var i = 0
            while i < count * 2 {
                let word = next()
                // 16 hex digits per draw.
                for shift in stride(from: 0, to: 64, by: 4) where i < count * 2 {
                    buffer[i] = Self.hexDigits[Int((word >> UInt64(shift)) & 0xF)]
                    i += 1
                }
            }
            return count * 2
        }
    }

    private static let hexDigits: [UInt8] = Array("0123456789abcdef".utf8)

    /// A random RFC 4122-shaped UUID string.
    mutating func uuid() -> String {
        let h = Array(hex(16).utf8)
        var out: [UInt8] = []
        out.reserveCapacity(36)
        out += h[0..<8]; out.append(UInt8(ascii: "-"))
        out += h[8..<12]; out.append(UInt8(ascii: "-"))
        out.append(UInt8(ascii: "4")); out += h[13..<16]; out.append(UInt8(ascii: "-"))
        out += h[16..<20]; out.append(UInt8(ascii: "-"))
        out += h[20..<32]
        return String(decoding: out, as: UTF8.self)
    }
}
