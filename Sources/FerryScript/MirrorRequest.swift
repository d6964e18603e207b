import FerryBase

/// `mirror [options] REMOTE_DIR [LOCAL_DIR]` and `mirror -R [options] LOCAL_DIR [REMOTE_DIR]`: make
/// one tree match the other, moving only what is missing or changed (lftp's spelling).
public struct MirrorRequest: Equatable, Sendable {
    /// One `--include` or `--exclude` pattern, in the order given.
    public enum Rule: Equatable, Sendable {
        case include(String)
        case exclude(String)
    }

    /// `-R`: local to remote; otherwise remote to local.
    public var reverse = false
    /// The source folder, and the target folder (nil: the source's name in the current directory).
    public var source: String
    public var target: String?
    /// `--delete`: remove what the source no longer has.
    public var delete = false
    /// `--dry-run`: print the plan, change nothing.
    public var dryRun = false
    /// `--checksum`: files of equal size are compared by SHA-256 rather than by size and time.
    public var checksum = false
    /// The `--include` and `--exclude` patterns; the first that matches a path decides.
    public var rules: [Rule] = []
    /// `--no-symlinks` clears this: symbolic links are then left out altogether.
    public var symlinks = true
    /// `-p`: keep permissions as well as times.
    public var preserve = false
    /// `--parallel N` / `--connections N`: connections to move files over.
    public var connections: Int?
    /// `-V`: verify each transferred file's SHA-256.
    public var verify = false

    /// A mirror of `source` with the defaults.
    public init(source: String) { self.source = source }

    /// Whether `path` (relative to the tree, `/`-separated) is left out by the rules. A pattern without
    /// a `/` matches a name at any depth; one with a `/` matches the whole path, where `*` stops at a
    /// `/` and `**` crosses any number of folders; a trailing `/` matches folders only.
    public func excludes(_ path: String, isDirectory: Bool) -> Bool {
        for rule in rules {
            switch rule {
            case .include(let pattern) where Self.matches(pattern, path: path, isDirectory: isDirectory): return false
            case .exclude(let pattern) where Self.matches(pattern, path: path, isDirectory: isDirectory): return true
            default: continue
            }
        }
        return false
    }

    static func matches(_ pattern: String, path: String, isDirectory: Bool) -> Bool {
        var pattern = Substring(pattern)
        if pattern.hasSuffix("/") {
            guard isDirectory else { return false }
            pattern = pattern.dropLast()
        }
        let names = path.split(separator: "/").map(String.init)
        if !pattern.contains("/") {
            return names.last.map { Wildcard(String(pattern)).matches($0) } ?? false
        }
        if pattern.hasPrefix("/") { pattern = pattern.dropFirst() }
        let parts = pattern.split(separator: "/").map(String.init)
        return matches(parts[...], names[...])
    }

    private static func matches(_ parts: ArraySlice<String>, _ names: ArraySlice<String>) -> Bool {
        guard let first = parts.first else { return names.isEmpty }
        if first == "**" {
            var rest = names
            while true {
                if matches(parts.dropFirst(), rest) { return true }
                guard !rest.isEmpty else { return false }
                rest = rest.dropFirst()
            }
        }
        guard let name = names.first, Wildcard(first).matches(name) else { return false }
        return matches(parts.dropFirst(), names.dropFirst())
    }
}

extension Arguments {
    /// `mirror [-R] [--delete] [--dry-run] [--checksum] [--include GLOB] [--exclude GLOB]
    /// [--no-symlinks] [-p] [-V] [--parallel N] source [target]`, options anywhere before `--`.
    mutating func mirror() throws(ScriptParser.Failure) -> Command {
        var mirror = MirrorRequest(source: "")
        var given: [Token] = []
        var optionsEnded = false
        while !tokens.isEmpty {
            let token = tokens.removeFirst()
            guard !optionsEnded, !token.wasQuoted, token.text.hasPrefix("-"), token.text.count > 1 else {
                given.append(token)
                continue
            }
            switch token.text {
            case "--": optionsEnded = true
            case "-R", "--reverse": mirror.reverse = true
            case "--delete", "-e": mirror.delete = true
            case "--dry-run", "-n": mirror.dryRun = true
            case "--checksum", "-c": mirror.checksum = true
            case "--no-symlinks": mirror.symlinks = false
            case "-p", "--perms": mirror.preserve = true
            case "-V", "--verify": mirror.verify = true
            case "--include", "--exclude", "-i", "-x":
                guard let value = tokens.first else {
                    throw failure("\(command): \(token.text) needs a pattern (usage: \(usage))", at: token)
                }
                tokens.removeFirst()
                mirror.rules.append(
                    token.text == "--include" || token.text == "-i" ? .include(value.text) : .exclude(value.text))
            case "--parallel", "--connections", "-P":
                guard let value = tokens.first, let count = Int(value.text), (1...64).contains(count) else {
                    throw failure("\(command): \(token.text) needs a number from 1 to 64 (usage: \(usage))", at: token)
                }
                tokens.removeFirst()
                mirror.connections = count
            default:
                throw failure("\(command): unknown option '\(token.text)' (usage: \(usage))", at: token)
            }
        }
        tokens = given
        let folders = try words(min: 1, max: 2, what: "source folder")
        mirror.source = folders[0]
        mirror.target = folders.count > 1 ? folders[1] : nil
        return .mirror(mirror)
    }
}
