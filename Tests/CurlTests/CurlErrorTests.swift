@testable import Curl
import Testing

@Suite("CurlError")
struct CurlErrorTests {
    @Test("URLs in errors lose userinfo, query and fragment", arguments: [
        ("https://contoso.portal.cloudappsecurity.com/api/v1/activities/", "https://contoso.portal.cloudappsecurity.com/api/v1/activities/"),
        ("https://user:secret@host:8443/a/b?token=abc#frag", "https://host:8443/a/b"),
        ("http://proxyuser:p%40ss@proxy.example:3128", "http://proxy.example:3128"),
        ("https://host?token=abc@def", "https://[redacted]"),   // ambiguous: say nothing
        ("https://u:p?x@host/path", "https://[redacted]"),
        ("tls://[::1]:6514", "tls://[::1]:6514"),
        ("not a url?secret=1", "not a url"),
        ("", ""),
    ])
    func redaction(url: String, expected: String) {
        #expect(redactedURL(url) == expected)
        #expect(CurlError(kind: .transport, code: 56, message: "m", url: url).url == expected)
    }

    @Test("the description names kind, URL, curl's message and code")
    func description() {
        let error = CurlError(kind: .connect, code: 7, message: "Failed to connect", url: "http://h:1/x?k=v")
        #expect(error.description == "connect error for http://h:1/x: Failed to connect (curl code 7)")
    }
}
