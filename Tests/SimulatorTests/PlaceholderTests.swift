import Testing

// Placeholder until the module's tests land.
@Test func SimulatorTestsPlaceholder() { #expect(Bool(true)) }
