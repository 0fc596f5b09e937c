import Testing

// Placeholder until the module's tests land.
@Test func CheckpointTestsPlaceholder() { #expect(Bool(true)) }
