/// The rules for names and paths a server sends, checked where they arrive (the SFTP listing and
/// `realpath`), so that nothing further in has to trust them.
///
/// A listed name becomes one component of a local path, so it must be exactly one: not empty, not `.`
/// or `..`, without `/` or NUL, valid UTF-8 (Ferry's paths are text; a name that is not could not be
/// asked for again), and listed only once. A path from `realpath` must be absolute and already
/// canonical (no `.` or `..` components), as the call promises.
public enum RemoteName {
    /// Why a name or path from the server was refused.
    public enum Problem: Sendable, Equatable, CustomStringConvertible {
        case empty
        case dot
        case dotComponent
        case slash
        case nul
        case notUTF8
        case repeated
        case relative

        public var description: String {
            switch self {
            case .empty: "it is empty"
            case .dot: "it is \".\" or \"..\""
            case .dotComponent: "it holds a \".\" or \"..\" component"
            case .slash: "it contains \"/\""
            case .nul: "it contains a NUL byte"
            case .notUTF8: "it is not valid UTF-8"
            case .repeated: "it is listed twice"
            case .relative: "it is not an absolute path"
            }
        }
    }

    /// What is wrong with `name` as one path component, or nil when it is fine.
    public static func problem(withName name: String) -> Problem? {
        if name.isEmpty { return .empty }
        if name == "." || name == ".." { return .dot }
        if name.utf8.contains(UInt8(ascii: "/")) { return .slash }
        if name.utf8.contains(0) { return .nul }
        return nil
    }

    /// What is wrong with `path` as a canonical absolute path, or nil when it is fine.
    public static func problem(withPath path: String) -> Problem? {
        guard path.hasPrefix("/") else { return path.isEmpty ? .empty : .relative }
        if path.utf8.contains(0) { return .nul }
        if path.split(separator: "/").contains(where: { $0 == "." || $0 == ".." }) { return .dotComponent }
        return nil
    }

    /// Decodes bytes a server sent as a name or path; nil when they are not valid UTF-8.
    package static func decode(_ bytes: some Collection<UInt8>) -> String? {
        String(validating: bytes, as: UTF8.self)
    }
}

/// A name a listing held that Ferry refused, with the reason; the name is shown with
/// ``ServerText/visible(_:)``.
public struct RefusedName: Sendable, Equatable {
    /// The name as sent (bytes that are not UTF-8 replaced by U+FFFD).
    public var name: String
    /// Why it was refused.
    public var problem: RemoteName.Problem

    /// Records that `name` was refused for `problem`.
    package init(name: String, problem: RemoteName.Problem) {
        self.name = name
        self.problem = problem
    }

    /// The warning for a person: `server sent a suspicious name "…" in /dir (it contains "/"); skipped`.
    public func warning(in directory: String) -> String {
        "server sent a suspicious name \"\(ServerText.visible(name))\" in \(ServerText.visible(directory))"
            + " (\(problem)); skipped"
    }
}

/// A path the server sent where a canonical absolute one was due (`realpath`'s answer).
public struct SuspiciousPathError: Error, CustomStringConvertible, Sendable {
    /// The path as sent.
    public var path: String
    /// Why it was refused.
    public var problem: RemoteName.Problem

    /// Records that `path` was refused for `problem`.
    package init(path: String, problem: RemoteName.Problem) {
        self.path = path
        self.problem = problem
    }

    public var description: String {
        "server sent a suspicious path \"\(ServerText.visible(path))\" (\(problem))"
    }
}
