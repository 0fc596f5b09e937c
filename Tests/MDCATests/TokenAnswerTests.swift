@testable import MDCA
import Testing

/// The Entra token endpoint's reply, read by ``TokenAnswer`` (outside input: fuzzed by the
/// `token-answer` target, which found the non-finite `expires_in` trap).
@Suite struct TokenAnswerTests {
    private func answer(_ json: String) -> TokenAnswer { TokenAnswer(body: Array(json.utf8)) }

    @Test func readsTheV2AndV1Forms() {
        let v2 = answer(#"{"token_type":"Bearer","expires_in":3599,"access_token":"abc"}"#)
        #expect(v2.accessToken == "abc")
        #expect(v2.lifetime == .seconds(3599))
        let v1 = answer(#"{"expires_in":"4000","access_token":"xyz"}"#)
        #expect(v1.accessToken == "xyz")
        #expect(v1.lifetime == .seconds(4000))
    }

    @Test func readsTheErrorForm() {
        let error = answer(#"{"error":"invalid_client","error_description":"AADSTS7000215: bad secret"}"#)
        #expect(error.accessToken == nil)
        #expect(error.error == "invalid_client")
        #expect(error.errorDescription == "AADSTS7000215: bad secret")
    }

    @Test func anEmptyOrMistypedTokenIsNoToken() {
        #expect(answer(#"{"access_token":""}"#).accessToken == nil)
        #expect(answer(#"{"access_token":42}"#).accessToken == nil)
        #expect(answer("not json").accessToken == nil)
        #expect(answer("").lifetime == .seconds(TokenAnswer.defaultLifetimeSeconds))
    }

    /// Regression (fuzz crash `"expires_in":"31e308599"`): a lifetime that is not finite, not
    /// positive or absurdly long is bounded instead of trapping or caching a token for ever.
    @Test(arguments: [
        (#""31e308599""#, TokenAnswer.defaultLifetimeSeconds), (#""inf""#, TokenAnswer.defaultLifetimeSeconds),
        (#""-inf""#, TokenAnswer.defaultLifetimeSeconds), (#""nan""#, TokenAnswer.defaultLifetimeSeconds),
        ("1e308", TokenAnswer.maximumLifetimeSeconds), ("9223372036854775807", TokenAnswer.maximumLifetimeSeconds),
        ("0", 1), ("-5", 1), ("0.25", 1), (#""soon""#, TokenAnswer.defaultLifetimeSeconds), ("null", TokenAnswer.defaultLifetimeSeconds),
    ])
    func lifetimeIsBounded(_ expiresIn: String, _ seconds: Double) {
        #expect(answer(#"{"access_token":"t","expires_in":\#(expiresIn)}"#).lifetime == .seconds(seconds))
    }
}
