/// Which containers are open (object or array), innermost last: 64 levels in one word,
/// deeper ones spill to an array that real records never need.
struct ContainerStack {
    private var bits: UInt64 = 0
    private var spill: [UInt64] = []
    private(set) var count = 0

    var isEmpty: Bool { count == 0 }
    var topIsObject: Bool { bits & 1 == 1 }

    mutating func push(isObject: Bool) {
        if count > 0 && count % 64 == 0 {
            spill.append(bits)
            bits = 0
        }
        bits = bits &<< 1 | (isObject ? 1 : 0)
        count &+= 1
    }

    mutating func pop() {
        count &-= 1
        bits &>>= 1
        if count > 0 && count % 64 == 0, let saved = spill.popLast() {
            bits = saved
        }
    }
}
