import ActivityJSON
import Testing

@Test func recordKeepsItsFields() {
    let r = ActivityRecord(id: "a", created: 5)
    #expect(r.id == "a" && r.created == 5 && r.targetObjectNames.isEmpty)
}
