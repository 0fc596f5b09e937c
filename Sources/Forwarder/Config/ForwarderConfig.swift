import Logging
import MDCA

/// The validated configuration (PRODUCT §6), defaults filled in. Built by `ConfigLoader`.
public struct ForwarderConfig: Sendable, Equatable {
    /// The file it was read from (named in messages).
    public var sourcePath: String
    public var tenant: TenantConfig
    public var activities: ActivitiesConfig
    public var alerts: AlertsConfig
    public var state: StateConfig
    /// At least one; names are unique.
    public var outputs: [OutputSettings]
    public var log: LogConfig
    /// `metrics:`; nil: no listener (PRODUCT §10).
    public var metrics: MetricsConfig?

    public init(
        sourcePath: String, tenant: TenantConfig, activities: ActivitiesConfig = ActivitiesConfig(),
        alerts: AlertsConfig = AlertsConfig(), state: StateConfig, outputs: [OutputSettings], log: LogConfig = LogConfig()
    ) {
        self.sourcePath = sourcePath
        self.tenant = tenant
        self.activities = activities
        self.alerts = alerts
        self.state = state
        self.outputs = outputs
        self.log = log
    }
}

/// `tenant:` — where the Activities API is and how to authenticate.
public struct TenantConfig: Sendable, Equatable {
    /// Portal base URL without trailing slash, https (http only for loopback hosts).
    public var url: String
    public var auth: AuthConfig
    public var caFile: String?
    /// Proxy URL; may carry `user:password@`, which `renderEffective` redacts.
    public var proxy: String?
    /// 1...30: the service throttles at 30 requests per minute per tenant.
    public var requestsPerMinute: Int
    public var requestTimeout: Duration

    public init(
        url: String, auth: AuthConfig, caFile: String? = nil, proxy: String? = nil,
        requestsPerMinute: Int = 30, requestTimeout: Duration = .seconds(120)
    ) {
        self.url = url
        self.auth = auth
        self.caFile = caFile
        self.proxy = proxy
        self.requestsPerMinute = requestsPerMinute
        self.requestTimeout = requestTimeout
    }
}

/// How the API secret is obtained. The configuration holds only *where* the secret is (a file
/// path or an environment variable name), never the secret itself.
public enum AuthConfig: Sendable, Equatable {
    /// Legacy API token read from a file (`Authorization: Token …`).
    case tokenFile(path: String)
    /// Legacy API token read from an environment variable.
    case tokenEnv(name: String)
    /// Microsoft Entra ID client credentials.
    case entra(tenantID: String, clientID: String, secret: SecretRef, authority: String)

    /// Entra's public-cloud authority (GCC High: https://login.microsoftonline.us).
    public static let defaultAuthority = "https://login.microsoftonline.com"
}

/// Where a secret lives.
public enum SecretRef: Sendable, Equatable {
    case file(path: String)
    case env(name: String)
}

/// `activities:` — what to pull and how fast.
public struct ActivitiesConfig: Sendable, Equatable {
    /// Extra filters (AND-combined with the cursor's `created` filter), validated against the
    /// documented table at load (operator names normalised): ready to send; empty when none.
    public var filters: [String: FilterValue]
    /// 500...5000, the API's scan limit.
    public var pageSize: Int
    public var pollInterval: Duration
    public var settleTime: Duration
    public var initialLookback: Duration
    public var checkpointEvery: Int

    public init(
        filters: [String: FilterValue] = [:], pageSize: Int = 5000, pollInterval: Duration = .seconds(60),
        settleTime: Duration = .seconds(60), initialLookback: Duration = .seconds(2 * 86_400),
        checkpointEvery: Int = 1000
    ) {
        self.filters = filters
        self.pageSize = pageSize
        self.pollInterval = pollInterval
        self.settleTime = settleTime
        self.initialLookback = initialLookback
        self.checkpointEvery = checkpointEvery
    }
}

/// `alerts:` — the second stream (PRODUCT §9). Polled on `activities.poll_interval` with the
/// same settle time and the same per-tenant limiter as activities.
public struct AlertsConfig: Sendable, Equatable {
    /// Forward alerts too, through the same outputs.
    public var enabled: Bool
    /// Extra filters, validated against the documented alert table at load (operator names
    /// normalised): ready to send. `date`, `resolutionDate` and `ID` are the forwarder's.
    public var filters: [String: FilterValue]
    /// Where the alert cursor (and the closures cursor) start on a first start.
    public var initialLookback: Duration
    /// Send an alert once more when it is closed (`cs5Label=resolutionStatus`).
    public var resolutions: Bool
    /// How far behind the cursor each scan re-reads for alerts that appear late (0: none).
    public var overlap: Duration

    public init(
        enabled: Bool = false, filters: [String: FilterValue] = [:], initialLookback: Duration = .seconds(2 * 86_400),
        resolutions: Bool = false, overlap: Duration = .seconds(600)
    ) {
        self.enabled = enabled
        self.filters = filters
        self.initialLookback = initialLookback
        self.resolutions = resolutions
        self.overlap = overlap
    }

    /// `overlap` in Unix milliseconds, as `AlertScan` takes it.
    public var overlapMs: Int64 { DurationText.milliseconds(of: overlap) }
    /// `initial_lookback` in milliseconds, as `AlertCursor.start` takes it.
    public var initialLookbackMs: Int64 { DurationText.milliseconds(of: initialLookback) }
}

/// `state:` — where the checkpoint lives.
public struct StateConfig: Sendable, Equatable {
    public var path: String
    /// `state.etcd` (PRODUCT §13): the checkpoint and leadership live in etcd; `path` is unused.
    public var etcd: EtcdStateConfig?

    public init(path: String) {
        self.path = path
    }

    /// `$STATE_DIRECTORY/state.json` under systemd's `StateDirectory=` (first entry when it
    /// lists several, colon-separated), else `/var/lib/mdca-forwarder/state.json`.
    public static func defaultPath(environment: [String: String]) -> String {
        if let directories = environment["STATE_DIRECTORY"],
           let first = directories.split(separator: ":").first, !first.isEmpty {
            return (first.hasSuffix("/") ? String(first.dropLast()) : String(first)) + "/state.json"
        }
        return "/var/lib/mdca-forwarder/state.json"
    }
}

/// `log:`.
public struct LogConfig: Sendable, Equatable {
    public var level: Logger.Level

    public init(level: Logger.Level = .info) {
        self.level = level
    }
}

/// `metrics:` — the Prometheus listener (PRODUCT §10).
public struct MetricsConfig: Sendable, Equatable {
    /// IPv4 or IPv6 literal (no brackets) to bind.
    public var host: String
    public var port: Int

    public init(host: String, port: Int) {
        self.host = host
        self.port = port
    }

    /// `host:port`, IPv6 in brackets, as written in the configuration.
    public var listen: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }
}
