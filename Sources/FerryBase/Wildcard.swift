/// A shell-style pattern: `*`, `?`, `[abc]`, `[a-z]`, `[!x]` and `\` escapes, as psftp's wildcards.
///
/// A pattern matches within one path component: `*`, `?` and sets never match `/` (nor NUL), so
/// whatever a server lists, `db-*` can only ever name `db-` files in the folder it lists.
public struct Wildcard: Sendable, Equatable {
    private enum Piece: Equatable {
        case literal(Character)
        case any
        case anyRun
        case set([ClosedRange<Character>], negated: Bool)
    }

    private let pieces: [Piece]
    /// The pattern as written.
    public let pattern: String

    /// Compiles `pattern`; with `bracketClasses` off, `[` is an ordinary character (known_hosts' `[host]:port`).
    public init(_ pattern: String, bracketClasses: Bool = true) {
        self.pattern = pattern
        var pieces: [Piece] = []
        var chars = Array(pattern)[...]
        while let c = chars.popFirst() {
            switch c {
            case "*": if pieces.last != .anyRun { pieces.append(.anyRun) }
            case "?": pieces.append(.any)
            case "\\" where bracketClasses: pieces.append(.literal(chars.popFirst() ?? "\\"))
            case "[" where bracketClasses:
                if let (set, rest) = Self.parseSet(chars) {
                    pieces.append(set)
                    chars = rest
                } else {
                    pieces.append(.literal("["))
                }
            default: pieces.append(.literal(c))
            }
        }
        self.pieces = pieces
    }

    /// Whether `text` contains any wildcard character that this pattern would interpret.
    public static func hasWildcards(_ text: String) -> Bool {
        var escaped = false
        for c in text {
            if escaped { escaped = false; continue }
            if c == "\\" { escaped = true; continue }
            if c == "*" || c == "?" || c == "[" { return true }
        }
        return false
    }

    /// `text` with wildcard escapes removed, for a pattern that has no wildcards.
    public static func unescape(_ text: String) -> String {
        var result = ""
        var escaped = false
        for c in text {
            if !escaped && c == "\\" { escaped = true; continue }
            escaped = false
            result.append(c)
        }
        return result
    }

    private static func parseSet(_ input: ArraySlice<Character>) -> (Piece, ArraySlice<Character>)? {
        var chars = input
        var negated = false
        if chars.first == "!" || chars.first == "^" {
            negated = true
            chars = chars.dropFirst()
        }
        var ranges: [ClosedRange<Character>] = []
        var first = true
        while let c = chars.popFirst() {
            if c == "]" && !first { return (.set(ranges, negated: negated), chars) }
            first = false
            if chars.count >= 2, chars.first == "-", let end = chars.dropFirst().first, end != "]" {
                chars = chars.dropFirst(2)
                if c <= end { ranges.append(c...end) }
            } else {
                ranges.append(c...c)
            }
        }
        return nil
    }

    /// Whether `name` matches a list of patterns as OpenSSH reads them (known_hosts, ssh_config `Host`):
    /// case-insensitive, `*` and `?` only, and a matching `!pattern` excludes the name whatever else matches.
    public static func matchesPatternList<S: StringProtocol>(_ patterns: [S], _ name: String) -> Bool {
        var matched = false
        for raw in patterns {
            let negated = raw.hasPrefix("!")
            let pattern = (negated ? String(raw.dropFirst()) : String(raw)).lowercased()
            if Wildcard(pattern, bracketClasses: false).matches(name.lowercased()) {
                if negated { return false }
                matched = true
            }
        }
        return matched
    }

    /// Whether the whole of `text` matches the pattern.
    public func matches(_ text: String) -> Bool {
        let chars = Array(text)
        // Iterative matcher with single-star backtracking, linear in practice.
        var p = 0
        var t = 0
        var starP = -1
        var starT = 0
        while t < chars.count {
            // Only a literal matches a separator: no wildcard reaches past its path component.
            let separator = Self.isSeparator(chars[t])
            if p < pieces.count {
                switch pieces[p] {
                case .anyRun:
                    starP = p
                    starT = t
                    p += 1
                    continue
                case .any where !separator:
                    p += 1
                    t += 1
                    continue
                case .literal(let c) where c == chars[t]:
                    p += 1
                    t += 1
                    continue
                case .set(let ranges, let negated)
                where !separator && ranges.contains { $0.contains(chars[t]) } != negated:
                    p += 1
                    t += 1
                    continue
                default: break
                }
            }
            // Let the last `*` take one more character, unless that is a separator it may not cross (and
            // an earlier `*` could only take it by crossing it too).
            guard starP >= 0, !Self.isSeparator(chars[starT]) else { return false }
            p = starP + 1
            starT += 1
            t = starT
        }
        while p < pieces.count, pieces[p] == .anyRun { p += 1 }
        return p == pieces.count
    }

    /// `/` and NUL end a path component; no wildcard matches them.
    private static func isSeparator(_ character: Character) -> Bool { character == "/" || character == "\u{0}" }
}
