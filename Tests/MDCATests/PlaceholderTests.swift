import Testing

// Placeholder until the module's tests land.
@Test func MDCATestsPlaceholder() { #expect(Bool(true)) }
