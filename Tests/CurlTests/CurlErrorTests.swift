@testable import Curl
import POSIX
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

    /// Issue 18 item 4: what cannot fix itself is told apart from what can, by curl's code and,
    /// for a handshake or a read ended by the peer, by its certificate alert.
    @Test("TLS verification, CA and client-certificate problems are permanent; the rest transient", arguments: [
        (CurlError.Kind.tls, 60, "SSL certificate problem: unable to get local issuer certificate", FailureKind.configuration),
        (.tls, 60, "SSL: no alternative certificate subject name matches target host name 'x'", .configuration),
        (.tls, 77, "error setting certificate file: /missing/ca.pem", .configuration),
        (.tls, 58, "could not load PEM client certificate", .configuration),
        (.tls, 35, "OpenSSL SSL_connect: Connection reset by peer in connection to h:6514", .transient),
        (.tls, 35, "OpenSSL/3.0 error:0A00045C:SSL routines::tlsv13 alert certificate required", .configuration),
        (.transport, 56, "OpenSSL SSL_read: error:0A000412:SSL routines::sslv3 alert bad certificate", .configuration),
        (.transport, 56, "Recv failure: Connection reset by peer", .transient),
        (.connect, 7, "Failed to connect to h port 1: Connection refused", .transient),
        (.timeout, 28, "Operation timed out", .transient),
        (.resolve, 6, "Could not resolve host: h", .transient),
    ])
    func permanence(kind: CurlError.Kind, code: Int32, message: String, expected: FailureKind) {
        #expect(CurlError(kind: kind, code: code, message: message, url: "tls://h:6514").failureKind == expected)
    }
}
