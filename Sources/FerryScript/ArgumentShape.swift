/// What a command's arguments name, so Tab completion knows what to offer at each position.
public struct ArgumentShape: Sendable {
    /// What one argument names.
    public enum Kind: Sendable, Equatable {
        case command, remote, remoteDirectory, local, localDirectory, session, nothing
    }

    /// Whether leading words starting with `-` are options (not counted as positions).
    public var takesOptions: Bool
    /// Whether the arguments are wildcard patterns, so a literal `*`, `?` or `[` needs a backslash.
    public var patterns: Bool
    /// What the first arguments name, in order.
    public var leading: [Kind]
    /// What every later argument names.
    public var rest: Kind

    /// Creates a shape.
    public init(options: Bool = false, patterns: Bool = false, _ leading: [Kind] = [], rest: Kind = .nothing) {
        takesOptions = options
        self.patterns = patterns
        self.leading = leading
        self.rest = rest
    }

    /// A command that takes no arguments worth completing.
    public static let none = ArgumentShape()

    /// What the argument at `position` (options not counted) names.
    public func kind(at position: Int) -> Kind {
        position < leading.count ? leading[position] : rest
    }
}
