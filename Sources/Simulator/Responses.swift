import FlyingFox
import Foundation

/// The bodies the real service and its gateway send, built once per response.
enum Responses {
    static func json(_ status: Int, _ bytes: [UInt8], headers: [(HTTPHeader, String)] = []) -> HTTPResponse {
        var h = HTTPHeaders()
        h[.contentType] = "application/json"
        for (name, value) in headers { h[name] = value }
        // Large pages go out in big writes rather than FlyingFox's default 4 KB chunks.
        let body = HTTPBodySequence(data: Data(bytes), suggestedBufferSize: 256 * 1024)
        return HTTPResponse(statusCode: HTTPStatusCode(status, phrase: phrase(status)), headers: h, body: body)
    }

    /// A JSON object from a plain dictionary (small bodies: errors, tokens).
    static func json(_ status: Int, object: [String: Any], headers: [(HTTPHeader, String)] = []) -> HTTPResponse {
        let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data("{}".utf8)
        return json(status, [UInt8](data), headers: headers)
    }

    static func detail(_ status: Int, _ message: String, headers: [(HTTPHeader, String)] = []) -> HTTPResponse {
        json(status, object: ["detail": message], headers: headers)
    }

    /// What the gateway in front of the real service answers on 404/500/502/504: HTML, not JSON.
    static func html(_ status: Int) -> HTTPResponse {
        let title = "\(status) \(phrase(status))"
        let page = "<html>\r\n<head><title>\(title)</title></head>\r\n<body>\r\n<center><h1>\(title)</h1></center>\r\n"
            + "<hr><center>Microsoft-Azure-Application-Gateway/v2</center>\r\n</body>\r\n</html>\r\n"
        var h = HTTPHeaders()
        h[.contentType] = "text/html"
        return HTTPResponse(statusCode: HTTPStatusCode(status, phrase: phrase(status)), headers: h, body: Data(page.utf8))
    }

    /// The body the service sends for a forced status.
    static func forced(_ status: Int) -> HTTPResponse {
        switch status {
        case 401: return detail(401, "Invalid token")
        case 403: return detail(403, "Insufficient role based permission")
        case 429: return detail(429, "Request was throttled.")
        case 404, 500, 502, 503, 504: return html(status)
        default: return detail(status, "Simulated failure \(status)")
        }
    }

    static func phrase(_ status: Int) -> String {
        switch status {
        case 200: "OK"
        case 400: "Bad Request"
        case 401: "Unauthorized"
        case 403: "Forbidden"
        case 404: "Not Found"
        case 405: "Method Not Allowed"
        case 429: "Too Many Requests"
        case 500: "Internal Server Error"
        case 502: "Bad Gateway"
        case 503: "Service Unavailable"
        case 504: "Gateway Timeout"
        default: "Status \(status)"
        }
    }
}
