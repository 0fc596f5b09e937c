import Foundation

/// Whether a throttled request (429) carries a `Retry-After` header. The real service sends it
/// only sometimes (PRODUCT §2), so clients must cope with both.
public enum RetryAfterMode: String, Sendable, CaseIterable {
    case always, sometimes, never
}

/// A failure the tests force on every API request until cleared (`setFailure(nil)`).
public enum ForcedFailure: Sendable, Equatable {
    /// Answer every Activities API request with this status and the body the real service
    /// sends for it: 401 `Invalid token`, 403 `Insufficient role based permission`, HTML for
    /// 404/500/502/504, a JSON `detail` otherwise.
    case status(Int)
}

/// One request the simulator answered, for pacing and throttling assertions in tests.
public struct RequestRecord: Sendable, Equatable {
    /// When the request arrived.
    public var time: Date
    public var method: String
    /// The path without the query string.
    public var path: String
    /// The status answered.
    public var status: Int

    public init(time: Date, method: String, path: String, status: Int) {
        self.time = time
        self.method = method
        self.path = path
        self.status = status
    }
}

/// Everything that shapes a simulator instance: where it listens, its data and its misbehaviour.
public struct SimulatorOptions: Sendable {
    /// Address to bind; loopback by default because the data and the token are public.
    public var host: String = "127.0.0.1"
    /// TCP port; 0 picks a free port (read it from `SimulatorServer.start()`).
    public var port: UInt16 = 8081
    /// Number of backlog activities generated at start-up.
    public var activities: Int = 1000
    /// Seed of every random choice: the same seed gives the same activities.
    public var seed: UInt64 = 1
    /// Legacy API token accepted as `Authorization: Token <token>`; nil disables token auth.
    public var token: String? = "sim-token"
    /// Entra application (client credentials) accepted by the token endpoint; both nil disables it.
    public var clientID: String?
    public var clientSecret: String?
    /// Lifetime of issued Entra access tokens (`expires_in`); after it they get 401.
    public var entraTokenLifetime: Duration = .seconds(3599)
    /// Requests per minute allowed over all Activities API routes (token bucket); 0 = unlimited.
    public var throttleRPM: Int = 0
    /// How `throttleRPM` is counted: a token bucket, or arrivals in a rolling window.
    public var throttleMode: ThrottleMode = .bucket
    /// The rolling window of `.rollingWindow` (a minute; shorter only in tests).
    public var throttleWindow: Duration = .seconds(60)
    /// Each API request waits a random 0…this before it is counted and answered: network
    /// latency that differs from request to request.
    public var arrivalJitter: Duration = .zero
    /// Whether a 429 carries `Retry-After`.
    public var retryAfter: RetryAfterMode = .always
    /// Probability (0...1) that an API request fails: HTML 500, HTML 502, a truncated 200 body,
    /// or a slow response.
    public var faultRate: Double = 0
    /// New activities per second added while running (created = now); 0 = none.
    public var liveRate: Double = 0
    /// Fraction of activities whose `created` trails `timestamp` by hours instead of seconds.
    public var lateFraction: Double = 0.1
    /// Fraction of activities that share their `created` ms with neighbours (tie runs).
    public var tieFraction: Double = 0.2
    /// Fraction of activities carrying hostile strings (newlines, `|`, `=`, `\`, non-ASCII, 10 KB).
    public var hostileFraction: Double = 0.05
    /// Serve types the real API never sends: `created` (~0.5 % of records) and `appId` (~5 %)
    /// as strings. Off by default: the simulator stands for the real service, and a client
    /// tuned against impossible data hides real faults; on for parser hardening.
    public var wildTypes: Bool = false
    /// How long a "slow response" fault sleeps before answering.
    public var slowResponse: Duration = .seconds(2)
    /// Lower bound of the backlog's `created` values, Unix ms; nil = now − 1 day, inside the
    /// forwarder's default 2-day lookback.
    public var baseTime: Int64?
    /// Pads every generated record with a `padding` string field to at least this many bytes
    /// (benchmarks of big records); 0 keeps the natural ~2.5 KB.
    public var recordBytes: Int = 0
    /// Number of backlog alerts generated at start-up (PRODUCT §9), over the same day as the
    /// activities, with `tieFraction` of them sharing their `timestamp` ms.
    public var alerts: Int = 0
    /// How many backlog alerts share one single millisecond (0: none), to page past a
    /// millisecond holding more than the 100 a list request returns.
    public var alertBurst: Int = 0
    /// Fraction of backlog alerts already closed at start-up.
    public var alertClosedFraction: Double = 0
    /// New alerts per second while running (timestamp = now); 0 = none.
    public var alertRate: Double = 0
    /// Open alerts closed per second while running (resolveTime = now); 0 = none.
    public var alertCloseRate: Double = 0

    public init(
        host: String = "127.0.0.1", port: UInt16 = 8081, activities: Int = 1000, seed: UInt64 = 1,
        token: String? = "sim-token", clientID: String? = nil, clientSecret: String? = nil,
        entraTokenLifetime: Duration = .seconds(3599), throttleRPM: Int = 0,
        retryAfter: RetryAfterMode = .always, faultRate: Double = 0, liveRate: Double = 0,
        lateFraction: Double = 0.1, tieFraction: Double = 0.2, hostileFraction: Double = 0.05,
        slowResponse: Duration = .seconds(2), baseTime: Int64? = nil, recordBytes: Int = 0,
        alerts: Int = 0, alertBurst: Int = 0, alertClosedFraction: Double = 0, alertRate: Double = 0,
        alertCloseRate: Double = 0, wildTypes: Bool = false
    ) {
        self.host = host
        self.port = port
        self.activities = activities
        self.seed = seed
        self.token = token
        self.clientID = clientID
        self.clientSecret = clientSecret
        self.entraTokenLifetime = entraTokenLifetime
        self.throttleRPM = throttleRPM
        self.retryAfter = retryAfter
        self.faultRate = faultRate
        self.liveRate = liveRate
        self.lateFraction = lateFraction
        self.tieFraction = tieFraction
        self.hostileFraction = hostileFraction
        self.slowResponse = slowResponse
        self.baseTime = baseTime
        self.recordBytes = recordBytes
        self.alerts = alerts
        self.alertBurst = alertBurst
        self.alertClosedFraction = alertClosedFraction
        self.alertRate = alertRate
        self.alertCloseRate = alertCloseRate
        self.wildTypes = wildTypes
    }
}
