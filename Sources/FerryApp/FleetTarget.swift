import FerryBase

/// One host of a run over many hosts, as a hosts file or the command line names it.
public struct FleetTarget: Sendable, Equatable {
    /// A saved session name or `[user@]host[:port]`.
    public var name: String
    /// Group tags written after the name in a hosts file.
    public var tags: [String]
    /// Where the name came from (`fleet.txt:12`, or `command line`), for messages.
    public var origin: String
    /// The cap on the host's transfers its hosts file line gives (`bwlimit-host=RATE`).
    public var bandwidthHost: BandwidthCaps?

    /// Creates a target.
    public init(name: String, tags: [String] = [], origin: String) {
        self.name = name
        self.tags = tags
        self.origin = origin
    }

    /// Reads a hosts file: one target a line, optionally followed by group tags (separated by spaces
    /// or commas) and settings (`KEY=VALUE`: `bwlimit-host=RATE`); `#` starts a comment. Every line
    /// whose settings are wrong is a problem, named by file and line.
    ///
    /// ```
    /// # name or [user@]host[:port]   tags     settings
    /// web1                           web eu
    /// deploy@203.0.113.7:2222        db       bwlimit-host=down=2M,up=512K
    /// ```
    public static func parseHostsFile(_ text: String, file: String) -> (targets: [FleetTarget], problems: [String]) {
        var targets: [FleetTarget] = []
        var problems: [String] = []
        for (index, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = raw.prefix { $0 != "#" }
            let words = line.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\r" })
            guard let first = words.first else { continue }
            let origin = "\(file):\(index + 1)"
            var target = FleetTarget(name: String(first.split(separator: ",")[0]), origin: origin)
            for word in words.dropFirst() {
                guard let equals = word.firstIndex(of: "=") else {
                    target.tags += word.split(separator: ",").map(String.init)
                    continue
                }
                let (key, value) = (word[..<equals], String(word[word.index(after: equals)...]))
                guard key == "bwlimit-host" else {
                    problems.append("ferry: \(origin): unknown setting '\(key)' (known: bwlimit-host)")
                    continue
                }
                guard let caps = BandwidthCaps(value) else {
                    problems.append(
                        "ferry: \(origin): bwlimit-host: \(BandwidthCaps.notACap(value))")
                    continue
                }
                target.bandwidthHost = caps
            }
            targets.append(target)
        }
        return (targets, problems)
    }
}
