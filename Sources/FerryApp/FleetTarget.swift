/// One host of a run over many hosts, as a hosts file or the command line names it.
public struct FleetTarget: Sendable, Equatable {
    /// A saved session name or `[user@]host[:port]`.
    public var name: String
    /// Group tags written after the name in a hosts file.
    public var tags: [String]
    /// Where the name came from (`fleet.txt:12`, or `command line`), for messages.
    public var origin: String

    /// Creates a target.
    public init(name: String, tags: [String] = [], origin: String) {
        self.name = name
        self.tags = tags
        self.origin = origin
    }

    /// Reads a hosts file: one target a line, optionally followed by group tags; `#` starts a comment.
    ///
    /// ```
    /// # name or [user@]host[:port]   tags
    /// web1                           web eu
    /// deploy@203.0.113.7:2222        db
    /// ```
    public static func parseHostsFile(_ text: String, file: String) -> [FleetTarget] {
        var targets: [FleetTarget] = []
        for (index, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = raw.prefix { $0 != "#" }
            let words = line.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\r" || $0 == "," })
            guard let first = words.first else { continue }
            targets.append(
                FleetTarget(
                    name: String(first), tags: words.dropFirst().map(String.init), origin: "\(file):\(index + 1)"))
        }
        return targets
    }
}
