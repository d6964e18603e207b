/// The figures `ping-mtu` found, as the report lists them.
public struct MTUFigures: Codable, Equatable, Sendable {
    public var target: String
    public var pathMTU: Int
    public var interface: String
    public var interfaceMTU: Int
    /// The MTU a router reported in "Frag needed" (or the kernel's cached path MTU), if any.
    public var reportedMTU: Int?
    /// Whether the path carries what the interface sends.
    public var verdict: MTUVerdict
    public var explanation: String

    /// Creates a value from its parts.
    public init(
        target: String, pathMTU: Int, interface: String, interfaceMTU: Int, reportedMTU: Int? = nil,
        verdict: MTUVerdict, explanation: String
    ) {
        self.target = target
        self.pathMTU = pathMTU
        self.interface = interface
        self.interfaceMTU = interfaceMTU
        self.reportedMTU = reportedMTU
        self.verdict = verdict
        self.explanation = explanation
    }

    enum CodingKeys: String, CodingKey {
        case target, interface, verdict, explanation
        case pathMTU = "path_mtu"
        case interfaceMTU = "interface_mtu"
        case reportedMTU = "reported_mtu"
    }
}

/// Whether the path MTU `ping-mtu` found matches the interface's MTU, as the report spells it.
public enum MTUVerdict: String, Codable, Sendable {
    /// The path carries full-size packets.
    case matched
    /// The path carries less than the interface sends: "ifconfig says 9000 but the switch passes 1500".
    case mismatched
}
