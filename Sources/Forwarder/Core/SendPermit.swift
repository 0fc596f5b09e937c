/// Asked before each batch is handed to the outputs (PRODUCT §13 "A leader never sends on an
/// expired lease"): false means this instance may not send now. The engine then drops the
/// batch unsent, without moving the cursor, and ends the pass as it does on
/// `CheckpointError.leadershipLost`, so nothing is sent twice by two leaders.
///
/// The HA leader implements it with its lease's remaining time on the monotonic clock; a
/// single instance uses `AlwaysPermit`. It must answer quickly (no network round trip).
public protocol SendPermit: Sendable {
    func mayDeliver() async -> Bool
}

/// The single-instance permit: always yes.
public struct AlwaysPermit: SendPermit {
    public init() {}
    public func mayDeliver() async -> Bool { true }
}
