import Testing

// Placeholder until the module's tests land.
@Test func SystemdTestsPlaceholder() { #expect(Bool(true)) }
