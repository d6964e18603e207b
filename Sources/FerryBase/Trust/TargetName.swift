/// The one check of host and user names, wherever a target enters: the command line, `-J`, `open`,
/// saved sessions, ssh_config and PuTTY imports, hosts files, reports read by `--rerun` and script
/// parameters.
///
/// The rule is OpenSSH's after CVE-2023-51385, made stricter: a name may end up in a proxy command's
/// shell, a Telnet proxy's command line or an HTTP request, so it holds only what a host or user name
/// needs. A host is ASCII letters, digits, `.`, `-`, `_` and `:` (an IPv6 address), or an IPv6 literal
/// in brackets; a user is letters, digits, `.`, `-` and `_`. Neither may be empty, start with `-` or be
/// longer than 255 bytes. (Every value substituted into a command is still quoted there; this is the
/// first wall, not the only one.)
public enum TargetName {
    /// The longest host or user name taken.
    public static let maximumLength = 255

    /// `host` as a connection uses it (an IPv6 literal's brackets removed), or why it is refused.
    public static func host(_ host: String) throws(TargetNameError) -> String {
        var name = Substring(host)
        var bracketed = false
        if name.hasPrefix("["), name.hasSuffix("]"), name.count >= 2 {
            name = name.dropFirst().dropLast()
            bracketed = true
        }
        try check(name, original: host, what: "a usable host name")
        if bracketed || name.contains(":") {
            guard name.contains(":"), name.allSatisfy({ $0.isHexDigit || $0 == ":" || $0 == "." }) else {
                throw TargetNameError(name: host, what: "a usable host name", reason: "it is not an IPv6 address")
            }
        } else if let bad = name.first(where: { !isNameCharacter($0) }) {
            throw TargetNameError(name: host, what: "a usable host name", reason: reason(for: bad))
        }
        return String(name)
    }

    /// `user` unchanged, or why it is refused.
    @discardableResult
    public static func user(_ user: String) throws(TargetNameError) -> String {
        try check(Substring(user), original: user, what: "a usable user name")
        if let bad = user.first(where: { !isNameCharacter($0) }) {
            throw TargetNameError(name: user, what: "a usable user name", reason: reason(for: bad))
        }
        return user
    }

    /// Whether `host` passes ``host(_:)``.
    public static func isValidHost(_ host: String) -> Bool { (try? Self.host(host)) != nil }

    /// Whether `user` passes ``user(_:)``.
    public static func isValidUser(_ user: String) -> Bool { (try? Self.user(user)) != nil }

    private static func check(_ name: Substring, original: String, what: String) throws(TargetNameError) {
        if name.isEmpty { throw TargetNameError(name: original, what: what, reason: "it is empty") }
        if name.utf8.count > maximumLength {
            throw TargetNameError(name: original, what: what, reason: "it is longer than \(maximumLength) bytes")
        }
        if name.hasPrefix("-") { throw TargetNameError(name: original, what: what, reason: "it starts with '-'") }
    }

    /// What a host name (apart from an IPv6 address's colons) and a user name are made of.
    private static func isNameCharacter(_ c: Character) -> Bool {
        c.isASCII && (c.isLetter || c.isNumber || c == "." || c == "-" || c == "_")
    }

    private static func reason(for c: Character) -> String {
        if c.isWhitespace { return "it contains white space" }
        if c.unicodeScalars.contains(where: { $0.value < 0x20 || (0x7F..<0xA0).contains($0.value) }) {
            return "it contains a control character"
        }
        if !c.isASCII { return "it contains '\(c)', which is not ASCII" }
        return "it contains '\(c)'"
    }
}

/// A host or user name that ``TargetName`` refuses, with the reason.
public struct TargetNameError: Error, CustomStringConvertible, Equatable, Sendable {
    /// The name as given.
    public var name: String
    /// What it should have been: `a usable host name`, `a usable user name`, `[user@]host[:port]`.
    public var what: String
    public var reason: String

    /// Creates an error.
    public init(name: String, what: String, reason: String) {
        self.name = name
        self.what = what
        self.reason = reason
    }

    public var description: String {
        "'\(ServerText.visible(name))' is not \(what): \(reason)"
    }
}
