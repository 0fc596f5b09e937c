import Curl
import Foundation
@testable import MDCA
import Testing

private func withSecretFile(_ contents: String, mode: Int, _ body: (String) throws -> Void) throws {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("mdca-secret-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: dir) }
    let path = dir.appendingPathComponent("token").path
    try Data(contents.utf8).write(to: URL(fileURLWithPath: path))
    try FileManager.default.setAttributes([.posixPermissions: mode], ofItemAtPath: path)
    try body(path)
}

@Test func aPrivateSecretFileIsReadWithoutItsTrailingNewline() throws {
    try withSecretFile("s3cr3t-token\n", mode: 0o600) { (path: String) throws in
        let secret = try SecretSource.file(path).load()
        #expect(secret.reveal() == "s3cr3t-token")
        #expect("\(secret)" == "<redacted>")
        #expect(String(reflecting: secret) == "<redacted>")
        #expect(!String(describing: TokenAuthenticator(token: secret)).contains("s3cr3t"))
    }
    try withSecretFile("abc\r\n", mode: 0o400) { (path: String) throws in
        #expect(try SecretSource.file(path).load().reveal() == "abc")
    }
    // Only one newline is ignored: a second one would go into the Authorization header.
    try withSecretFile("abc\n\n", mode: 0o400) { (path: String) throws in
        #expect(throws: SecretSourceError.self) { try SecretSource.file(path).load() }
    }
}

@Test(arguments: [0o640, 0o604, 0o644, 0o660])
func aSecretFileReadableByOthersIsRefused(mode: Int) throws {
    try withSecretFile("s3cr3t-token", mode: mode) { (path: String) throws in
        let error = try #require(throws: SecretSourceError.self) { try SecretSource.file(path).load() }
        #expect(error.description.contains(path))
        #expect(error.description.contains("0" + String(mode, radix: 8)))
        #expect(error.description.contains("chmod 600 \(path)"))
        #expect(!error.description.contains("s3cr3t"))
    }
}

@Test func emptyAndMissingSecretsAreRefused() throws {
    try withSecretFile("\n", mode: 0o600) { (path: String) throws in
        let error = try #require(throws: SecretSourceError.self) { try SecretSource.file(path).load() }
        #expect(error.description.contains("is empty"))
    }
    let missing = try #require(throws: SecretSourceError.self) { try SecretSource.file("/nonexistent/mdca/token").load() }
    #expect(missing.description.contains("/nonexistent/mdca/token"))

    let unset = try #require(throws: SecretSourceError.self) { try SecretSource.environment("MDCA_TEST_TOKEN").load(environment: [:]) }
    #expect(unset.description.contains("MDCA_TEST_TOKEN"))
    #expect(throws: SecretSourceError.self) { try SecretSource.environment("MDCA_TEST_TOKEN").load(environment: ["MDCA_TEST_TOKEN": ""]) }
    #expect(try SecretSource.environment("T").load(environment: ["T": "abc"]).reveal() == "abc")
}

@Test func theEntraFormBodyIsURLEncoded() {
    let body = EntraAuthenticator.formBody(clientID: "11111111-2222", clientSecret: Secret("a+b/c=d&e f~%é"))
    #expect(String(decoding: body, as: UTF8.self)
        == "grant_type=client_credentials&client_id=11111111-2222&client_secret=a%2Bb%2Fc%3Dd%26e+f~%25%C3%A9&scope=05a65629-4c1b-48c1-a78b-804c4abdd4af%2F.default")
}

@Test func tokensAreRefreshedAheadOfExpiry() {
    #expect(EntraAuthenticator.refreshMargin(lifetime: .seconds(3599)) == .seconds(300))
    #expect(EntraAuthenticator.refreshMargin(lifetime: .seconds(3)) == .milliseconds(300))
}

@Test func theScrubberRemovesEveryKnownSecretAndItsEncodedSpellings() {
    let scrubber = SecretScrubber()
    scrubber.register("entra-Secret+/=&value")
    scrubber.register("")
    let text = "client_secret=entra-Secret%2B%2F%3D%26value&x=1 raw entra-Secret+/=&value"
    #expect(scrubber.scrub(text) == "client_secret=<redacted>&x=1 raw <redacted>")
    #expect(scrubber.scrub("nothing here") == "nothing here")
}

/// A 403 or 500 page that quotes the request: the error text names the status, never the token.
@Test(arguments: [403, 500, 400])
func anErrorBodyEchoingTheTokenIsScrubbed(status: Int) {
    let token = "tok-\(status)-9d8c7b6a5f4e3d2c1b0a"
    _ = TokenAuthenticator(token: Secret(token))   // as the daemon does when it loads the token
    let body = Array("<pre>Authorization: Token \(token)</pre> {\"detail\": \"Token \(token) refused\"}".utf8)
    let error = ScanClient.classify(HTTPResponse(status: status, body: body), url: "https://t/api/v1/activities/", nowUnixSeconds: 0)
    #expect(!error.description.contains(token), "\(error.description)")
    #expect(error.description.contains("<redacted>"), "\(error.description)")
}
