import FerryBase

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
    /// A `barrier` that stopped the host because the run's failure budget was spent.
    case held

    /// Whether this is a failure that counts: failed, interrupted or trouble (not a failure on a `-`
    /// line, nor a barrier's hold).
    public var countsAsFailure: Bool { [.failed, .interrupted, .trouble].contains(self) }
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
    /// A `barrier` stopped the host because the run's failure budget was spent; nothing after it ran.
    case held
    /// The host never started: the failure budget (`--max-fail`, `--fail-fast`) was spent, or Ctrl-C
    /// stopped the run first. Reports written before this name said `not-started`.
    case notRun = "not-run"

    public init(from decoder: any Decoder) throws {
        self = try Self.decode(from: decoder, renamed: ["not-started": .notRun])
    }

    /// Hosts by status (`counts`, by the status's spelling) in words, in the statuses' order:
    /// `5 ok, 1 failed, 14 not-run`.
    public static func tally(_ counts: [String: Int]) -> String {
        allCases.compactMap { status in counts[status.rawValue].map { "\($0) \(status.rawValue)" } }
            .joined(separator: ", ")
    }

    /// The host status that a host's commands come to: the worst of them (failed, then interrupted,
    /// then trouble), else ok.
    public init(worstOf commands: [CommandStatus]) {
        let order: [(CommandStatus, HostStatus)] = [
            (.failed, .failed), (.interrupted, .interrupted), (.trouble, .trouble),
        ]
        self = order.first { commands.contains($0.0) }?.1 ?? .ok
    }
}
