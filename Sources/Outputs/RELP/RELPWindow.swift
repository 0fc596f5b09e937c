/// The commands of a RELP session that wait for their response, in the order they were sent.
///
/// Transaction numbers start at 1 and increase by one per command; after 999,999,999 the next
/// is 1 (librelp doc/relp.md: "latched at 999,999,999. After that TXNR, the next TXNR is 1").
/// RELP servers answer in the order of the commands, so a response must carry the oldest
/// waiting transaction number; anything else (a number out of order, or one nothing waits
/// for) is a protocol error. At most `capacity` commands wait at once.
///
/// Not thread-safe: owned by one session.
struct RELPWindow<Tag> {
    static var maxTxnr: Int { RELPFrame.maxNumber }

    let capacity: Int
    /// The number the next command gets.
    private(set) var nextTxnr: Int
    /// Waiting commands, oldest first: a ring of `capacity` slots from `head`.
    private var slots: [(txnr: Int, tag: Tag)?]
    private var head = 0
    private(set) var count = 0

    init(capacity: Int, firstTxnr: Int = 1) {
        precondition(capacity >= 1, "a RELP window holds at least one command")
        precondition((1...Self.maxTxnr).contains(firstTxnr))
        self.capacity = capacity
        nextTxnr = firstTxnr
        slots = Array(repeating: nil, count: capacity)
    }

    var isEmpty: Bool { count == 0 }
    var hasRoom: Bool { count < capacity }
    /// The transaction number the next response must carry.
    var oldestTxnr: Int? { count == 0 ? nil : slots[head]?.txnr }

    static func successor(of txnr: Int) -> Int { txnr >= maxTxnr ? 1 : txnr + 1 }

    /// Registers a command and returns its transaction number. Requires `hasRoom`.
    mutating func issue(_ tag: Tag) -> Int {
        precondition(hasRoom, "RELP window full")
        let txnr = nextTxnr
        slots[(head + count) % capacity] = (txnr, tag)
        count += 1
        nextTxnr = Self.successor(of: txnr)
        return txnr
    }

    /// Retires the command a response answers; it must be the oldest waiting one.
    mutating func settle(txnr: Int) throws(RELPProtocolError) -> Tag {
        guard let oldest = slots[head], count > 0 else {
            throw .unexpectedResponse(txnr: txnr, expected: nil)
        }
        guard oldest.txnr == txnr else {
            throw .unexpectedResponse(txnr: txnr, expected: oldest.txnr)
        }
        slots[head] = nil
        head = (head + 1) % capacity
        count -= 1
        return oldest.tag
    }

    /// The waiting commands' tags, oldest first.
    var waitingTags: [Tag] {
        (0..<count).compactMap { slots[(head + $0) % capacity]?.tag }
    }
}

@available(*, unavailable)
extension RELPWindow: Sendable {}
