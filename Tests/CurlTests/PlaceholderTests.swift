import Testing

// Placeholder until the module's tests land.
@Test func CurlTestsPlaceholder() { #expect(Bool(true)) }
