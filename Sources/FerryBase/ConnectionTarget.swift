/// Where to connect: host, port and login name.
public struct ConnectionTarget: Sendable, Equatable, CustomStringConvertible {
    public var host: String
    public var port: Int
    public var user: String

    /// Creates a target.
    public init(host: String, port: Int = 22, user: String) {
        self.host = host
        self.port = port
        self.user = user
    }

    /// `user@host` with `:port` when it is not 22.
    public var description: String { "\(user)@\(host)" + (port == 22 ? "" : ":\(port)") }

    /// Parses `[user@]host[:port]`, with IPv6 literals in brackets (`[::1]:2222`).
    public init?(parsing text: String, defaultUser: String, defaultPort: Int) {
        var rest = Substring(text)
        var user = defaultUser
        if let at = rest.lastIndex(of: "@") {
            user = String(rest[..<at])
            rest = rest[rest.index(after: at)...]
            if user.isEmpty { return nil }
        }
        var host: String
        var port = defaultPort
        if rest.hasPrefix("[") {
            guard let close = rest.firstIndex(of: "]") else { return nil }
            host = String(rest[rest.index(after: rest.startIndex)..<close])
            let after = rest[rest.index(after: close)...]
            if after.hasPrefix(":") {
                guard let value = Int(after.dropFirst()), (1...65535).contains(value) else { return nil }
                port = value
            } else if !after.isEmpty {
                return nil
            }
        } else if rest.filter({ $0 == ":" }).count == 1, let colon = rest.firstIndex(of: ":") {
            host = String(rest[..<colon])
            guard let value = Int(rest[rest.index(after: colon)...]), (1...65535).contains(value) else { return nil }
            port = value
        } else {
            host = String(rest)
        }
        if host.isEmpty || host.contains(where: { $0 == " " || $0 == "/" }) { return nil }
        self.init(host: host, port: port, user: user)
    }
}
