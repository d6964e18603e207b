/// How one command ended, as `report.json` spells it.
public enum CommandStatus: String, Codable, Sendable {
    case ok
    case failed
    /// `ping-mtu` found a path MTU below the interface MTU.
    case trouble
    /// Ctrl-C or a signal stopped it.
    case interrupted
    /// It failed on a line with a leading `-`, so the failure does not count.
    case failedIgnored = "failed-ignored"
}

/// How one host's part of a run ended, as `report.json` spells it.
public enum HostStatus: String, Codable, Sendable, CaseIterable {
    case ok
    case failed
    /// Past `--host-timeout`, in a run over many hosts.
    case timedOut = "timed-out"
    case interrupted
    /// A command found trouble (a path-MTU mismatch) and nothing failed.
    case trouble
    /// `--fail-fast` or Ctrl-C stopped the run before the host started.
    case notStarted = "not-started"

    /// The host status that a host's commands come to: the worst of them (failed, then interrupted,
    /// then trouble), else ok.
    public init(worstOf commands: [CommandStatus]) {
        let order: [(CommandStatus, HostStatus)] = [
            (.failed, .failed), (.interrupted, .interrupted), (.trouble, .trouble),
        ]
        self = order.first { commands.contains($0.0) }?.1 ?? .ok
    }
}
