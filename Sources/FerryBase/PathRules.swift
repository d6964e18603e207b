/// Path arithmetic for remote (always `/`-separated) and local paths, without touching any file system.
public enum PathRules {
    /// Whether `text` is a plain word of at most `limit` characters: ASCII letters, digits, `.`, `_`
    /// and `-` only, so it is safe as one path component's characters and in any report or event (a
    /// barrier's name, a run id).
    public static func isPlainWord(_ text: Substring, limit: Int) -> Bool {
        text.count <= limit
            && text.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "." || $0 == "_" || $0 == "-") }
    }

    /// `name` made safe as one path component: anything but letters, digits, `.`, `_` and `-` becomes
    /// `_`, and it never starts with a dot. Host names and labels become folder names this way.
    public static func safeComponent(_ name: String) -> String {
        let safe = String(name.map { $0.isASCII && ($0.isLetter || $0.isNumber || "._-".contains($0)) ? $0 : "_" })
        return safe.isEmpty ? "_" : safe.hasPrefix(".") ? "_" + safe.dropFirst() : safe
    }

    /// `path` made absolute against `directory`, with `.` and `..` folded and repeated slashes removed.
    public static func resolve(_ path: String, in directory: String) -> String {
        let joined = path.hasPrefix("/") ? path : directory + "/" + path
        var parts: [Substring] = []
        for part in joined.split(separator: "/", omittingEmptySubsequences: true) {
            if part == "." { continue }
            if part == ".." {
                if !parts.isEmpty { parts.removeLast() }
                continue
            }
            parts.append(part)
        }
        return "/" + parts.joined(separator: "/")
    }

    /// The last component of `path` (`/a/b/` gives `b`, `/` gives `/`).
    public static func lastComponent(_ path: String) -> String {
        let trimmed = path.split(separator: "/", omittingEmptySubsequences: true)
        return trimmed.last.map(String.init) ?? (path.hasPrefix("/") ? "/" : path)
    }

    /// Everything before the last component (`a/b` gives `a`, `b` gives `""`, `/b` gives `/`).
    public static func parent(_ path: String) -> String {
        var trimmed = Substring(path)
        while trimmed.count > 1, trimmed.hasSuffix("/") { trimmed = trimmed.dropLast() }
        guard let slash = trimmed.lastIndex(of: "/") else { return "" }
        if slash == trimmed.startIndex { return "/" }
        return String(trimmed[..<slash])
    }

    /// `name` appended to `directory` with exactly one slash between.
    public static func join(_ directory: String, _ name: String) -> String {
        if directory.isEmpty { return name }
        return directory.hasSuffix("/") ? directory + name : directory + "/" + name
    }

    /// Splits a pattern into its directory part and its last component, refusing wildcards
    /// in the directory part (psftp matches only the last component).
    public static func splitPattern(_ pattern: String) -> (directory: String, name: String)? {
        let directory = parent(pattern)
        if Wildcard.hasWildcards(directory) { return nil }
        return (directory, lastComponent(pattern))
    }

    /// Whether a wildcard `pattern` should match `name`: hidden names only match patterns that start with a dot.
    public static func patternMatches(_ pattern: Wildcard, name: String) -> Bool {
        if name.hasPrefix("."), !pattern.pattern.hasPrefix(".") { return false }
        return pattern.matches(name)
    }
}
