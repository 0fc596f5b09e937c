import Formats
@testable import Outputs
import Testing

@Suite struct MessageBatchTests {
    @Test func messagesWrittenIntoTheSharedBufferComeBackInOrder() {
        var batch = MessageBatch()
        batch.bytes.append(contentsOf: "one".utf8)
        batch.endMessage()
        batch.append { $0.append(contentsOf: "two é".utf8) }
        batch.endMessage()                       // an empty message is still a message
        batch.append(Array("three".utf8))
        #expect(batch.count == 4)
        #expect(batch.map { String(decoding: $0, as: UTF8.self) } == ["one", "two é", "", "three"])
        #expect(batch.messageBytes == 3 + 6 + 5)
        #expect(MessageBatch(messages(["one", "two é", "", "three"])).elementsEqual(batch))
    }

    @Test func keysTravelBesideTheirMessagesOnlyWhenAppended() {
        let batch = MessageBatch(messages(["a", "b"]))
        #expect(batch.key(0) == nil, "a batch for an output without keys carries none")
        #expect(batch.keyBytes.isEmpty)

        var keyed = MessageBatch()
        for (id, message) in [("id-1", "one"), ("", "two"), ("id-three", "three")] {
            keyed.append(Array(message.utf8))
            keyed.appendKey(id.utf8)
        }
        #expect(keyed.count == 3)
        #expect((0..<3).map { keyed.key($0).map { String(decoding: $0, as: UTF8.self) } } == ["id-1", "", "id-three"])
        keyed.removeAll(keepingCapacity: true)
        #expect(keyed.key(0) == nil && keyed.keyBytes.isEmpty)
    }

    @Test func removeAllEmptiesAndCanKeepTheStorage() {
        var batch = MessageBatch(messages(["a long enough message", "another"]))
        let capacity = batch.bytes.capacity
        batch.removeAll(keepingCapacity: true)
        #expect(batch.isEmpty)
        #expect(batch.bytes.capacity == capacity)
        batch.append(Array("next".utf8))
        #expect(batch.map(Array.init) == [Array("next".utf8)])
        batch.removeAll()
        #expect(batch.isEmpty && batch.messageBytes == 0)
    }

    @Test(arguments: [(Framing.lf, "é\nabc\n"), (.octetCounting, "2 é3 abc")])
    func sendBufferFramesEveryMessageCutToTheCap(_ framing: Framing, _ expected: String) {
        var buffer = SendBuffer()
        // "éé" is 4 bytes: a cap of 3 must not split the second é, so only "é" goes out.
        buffer.frame(MessageBatch(messages(["éé", "abcd"])), framing: framing, cap: MessageCap(limit: 3))
        #expect(buffer.bytes == Array(expected.utf8))
        // Reused: a second batch replaces the first.
        buffer.frame(MessageBatch(messages(["x"])), framing: framing, cap: MessageCap(limit: nil))
        #expect(buffer.bytes == Array((framing == .lf ? "x\n" : "1 x").utf8))
    }
}
