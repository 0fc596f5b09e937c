import Testing

// Placeholder until the module's tests land.
@Test func FormatsTestsPlaceholder() { #expect(Bool(true)) }
