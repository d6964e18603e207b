/// Where to connect: host, port and login name.
public struct ConnectionTarget: Sendable, Equatable, CustomStringConvertible {
    public var host: String
    public var port: Int
    public var user: String

    /// Creates a target; the names are taken as they are (see ``validated()`` for the check).
    public init(host: String, port: Int = 22, user: String) {
        self.host = host
        self.port = port
        self.user = user
    }

    /// `user@host` with `:port` when it is not 22.
    public var description: String { "\(user)@\(host)" + (port == 22 ? "" : ":\(port)") }

    /// This target after ``TargetName``'s check of its host and user (an IPv6 literal's brackets removed).
    public func validated() throws(TargetNameError) -> ConnectionTarget {
        try TargetName.user(user)
        return ConnectionTarget(host: try TargetName.host(host), port: port, user: user)
    }

    /// Parses `[user@]host[:port]`, with IPv6 literals in brackets (`[::1]:2222`); nil when the text is
    /// not such a target or its names fail ``TargetName``'s check.
    public init?(parsing text: String, defaultUser: String, defaultPort: Int) {
        guard let target = try? Self.parse(text, defaultUser: defaultUser, defaultPort: defaultPort) else {
            return nil
        }
        self = target
    }

    /// Parses `[user@]host[:port]`, with IPv6 literals in brackets (`[::1]:2222`), and checks its names
    /// with ``TargetName``; the error says what is wrong.
    public static func parse(_ text: String, defaultUser: String, defaultPort: Int) throws(TargetNameError)
        -> ConnectionTarget
    {
        var rest = Substring(text)
        var user = defaultUser
        if let at = rest.lastIndex(of: "@") {
            user = String(rest[..<at])
            rest = rest[rest.index(after: at)...]
            if user.isEmpty {
                throw TargetNameError(
                    name: text, what: "[user@]host[:port]", reason: "the user name before '@' is empty")
            }
        }
        let (host, port) = try hostAndPort(String(rest), defaultPort: defaultPort)
        return try ConnectionTarget(host: host, port: port, user: user).validated()
    }

    /// Parses `host[:port]` (an IPv6 literal in brackets when a port follows) and checks the host with
    /// ``TargetName``.
    public static func hostAndPort(_ text: String, defaultPort: Int) throws(TargetNameError) -> (String, Int) {
        let syntax = { (reason: String) in TargetNameError(name: text, what: "host[:port]", reason: reason) }
        let rest = Substring(text)
        let host: String
        var port = defaultPort
        var portText: Substring?
        if rest.hasPrefix("[") {
            guard let close = rest.firstIndex(of: "]") else { throw syntax("'[' without ']'") }
            host = String(rest[...close])
            let after = rest[rest.index(after: close)...]
            if after.hasPrefix(":") {
                portText = after.dropFirst()
            } else if !after.isEmpty {
                throw syntax("'\(after)' after ']'")
            }
        } else if rest.filter({ $0 == ":" }).count == 1, let colon = rest.firstIndex(of: ":") {
            host = String(rest[..<colon])
            portText = rest[rest.index(after: colon)...]
        } else {
            host = String(rest)
        }
        if let portText {
            guard let value = Int(portText), (1...65535).contains(value) else {
                throw syntax("the port is not a number from 1 to 65535")
            }
            port = value
        }
        return (try TargetName.host(host), port)
    }
}
