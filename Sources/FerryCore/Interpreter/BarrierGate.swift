import FerryBase

/// Where a host waits at a `barrier` line in a run over many hosts: the run gives each host one.
///
/// Called from the host's own thread, which it blocks until every host of the group has reached the
/// same barrier or ended, or until `cancellation` stops the host.
public protocol BarrierGate: Sendable {
    /// Waits at the barrier on `line`; `failedBefore` says whether this host has already had a failure
    /// that counts (a `-be` script goes on after one). Returns nil when `cancellation` stopped the wait.
    func wait(atLine line: Int, name: String?, failedBefore: Bool, cancellation: Cancellation) -> BarrierVerdict?
}

/// What a barrier decided once every host had come to it or ended.
public enum BarrierVerdict: Sendable, Equatable {
    /// Every waiting host goes on; `hosts` waited here together.
    case released(hosts: Int)
    /// The failure budget was spent: every waiting host stops here, for this reason.
    case held(reason: String)
}
