/// One HTTP header field, name as sent or received.
public struct HTTPHeader: Sendable, Equatable {
    public var name: String
    public var value: String

    public init(name: String, value: String) {
        self.name = name
        self.value = value
    }
}

/// One request. `url` may be http or https; redirects are followed within the request's origin
/// only (at most 3); a redirect elsewhere comes back as the 3xx response.
public struct HTTPRequest: Sendable {
    /// "GET", "POST", …
    public var method: String
    public var url: String
    /// e.g. Authorization, Content-Type. Values must not contain CR or LF.
    public var headers: [HTTPHeader]
    public var body: [UInt8]?

    public init(method: String = "GET", url: String, headers: [HTTPHeader] = [], body: [UInt8]? = nil) {
        self.method = method
        self.url = url
        self.headers = headers
        self.body = body
    }
}

/// The final response (after same-origin redirects): status, its headers as received, the decoded body.
public struct HTTPResponse: Sendable {
    public var status: Int
    /// The final response's headers, in order, names as received.
    public var headers: [HTTPHeader]
    public var body: [UInt8]

    public init(status: Int, headers: [HTTPHeader] = [], body: [UInt8] = []) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    /// The first value of the header named `name`, compared case-insensitively (RFC 9110 §5.1).
    public func header(_ name: String) -> String? {
        let wanted = name.lowercased()
        return headers.first { $0.name.lowercased() == wanted }?.value
    }
}

/// Settings of one `HTTPClient`. TLS verification is always on; there is deliberately no switch.
public struct HTTPClientOptions: Sendable {
    /// Time allowed for DNS, TCP and TLS setup.
    public var connectTimeout: Duration = .seconds(15)
    /// Time allowed for the whole request, redirects included.
    public var totalTimeout: Duration = .seconds(120)
    /// A transfer slower than this for `lowSpeedTime` is aborted as `.timeout`.
    public var lowSpeedLimitBytesPerSecond: Int = 1
    public var lowSpeedTime: Duration = .seconds(60)
    /// `scheme://host:port` of a proxy. When nil, curl reads HTTPS_PROXY/HTTP_PROXY/NO_PROXY itself;
    /// when set, NO_PROXY from the environment still applies.
    public var proxy: String? = nil
    /// A PEM bundle replacing the system CA store.
    public var caFile: String? = nil
    /// Larger bodies fail with `.tooLarge`: the decoded size (a gzip bomb stops here), the
    /// bytes on the wire, and a larger Content-Length before any body byte is read. 64 MiB is
    /// over twice the largest real page (5,000 activities, ~15–25 MB); the transfer's peak
    /// memory stays below twice this cap.
    public var maxResponseBytes: Int = 64 << 20
    public var userAgent: String = "mdca-forwarder"
    /// A PEM client certificate and its key, for services that authenticate clients by TLS.
    public var clientCertFile: String? = nil
    public var clientKeyFile: String? = nil

    public init(
        connectTimeout: Duration = .seconds(15),
        totalTimeout: Duration = .seconds(120),
        lowSpeedLimitBytesPerSecond: Int = 1,
        lowSpeedTime: Duration = .seconds(60),
        proxy: String? = nil,
        caFile: String? = nil,
        maxResponseBytes: Int = 64 << 20,
        userAgent: String = "mdca-forwarder",
        clientCertFile: String? = nil,
        clientKeyFile: String? = nil
    ) {
        self.connectTimeout = connectTimeout
        self.totalTimeout = totalTimeout
        self.lowSpeedLimitBytesPerSecond = lowSpeedLimitBytesPerSecond
        self.lowSpeedTime = lowSpeedTime
        self.proxy = proxy
        self.caFile = caFile
        self.maxResponseBytes = maxResponseBytes
        self.userAgent = userAgent
        self.clientCertFile = clientCertFile
        self.clientKeyFile = clientKeyFile
    }
}
