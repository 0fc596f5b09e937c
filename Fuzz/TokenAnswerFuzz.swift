// libFuzzer harness for the Entra token answer (Sources/MDCA/TokenAnswer.swift compiled in):
// whatever the token endpoint, or something in its place, replies.

@_cdecl("LLVMFuzzerTestOneInput")
public func tokenAnswerFuzz(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let answer = TokenAnswer(body: fuzzInput(data, size))
    if let token = answer.accessToken { check(!token.isEmpty, "an empty access token is taken") }
    // The token is cached for its lifetime (at least a second, at most a day), then refreshed.
    let lifetime = answer.lifetime
    check(lifetime >= .seconds(1) && lifetime <= .seconds(86_400), "lifetime \(lifetime) outside 1 s...1 day")
    return 0
}
