import FerryBase
import FerryScript

/// How to reach a host through a proxy, with PuTTY's options.
public struct ProxySettings: Sendable, Equatable {
    /// The kinds of proxy PuTTY offers (jump hosts are configured separately, as `jump`).
    public enum Kind: String, Sendable, CaseIterable, Codable {
        case http, socks4, socks4a, socks5, telnet, command
    }

    /// Where host names are looked up (PuTTY's "Do DNS name lookup at proxy end").
    public enum NameLookup: String, Sendable, Codable {
        /// At the proxy when the protocol can carry a name (SOCKS 4a, SOCKS 5, HTTP), else locally.
        case auto
        /// Always here; the proxy is given an address.
        case local
        /// Always at the proxy (SOCKS 4 then falls back to 4a).
        case remote
    }

    public var kind: Kind
    /// The proxy's host and port (unused for `command`).
    public var host = ""
    public var port = 0
    /// Credentials for HTTP Basic, SOCKS 5 username/password, the SOCKS 4 user id and Telnet's `%user`/`%pass`.
    public var username: String?
    public var password: String?
    /// The local command (`command`) or Telnet's login template (`telnet`), with `%host`, `%port`, `%user`,
    /// `%pass`, `%%` and `\n`-style escapes; OpenSSH's `%h` and `%p` work in commands too.
    public var command: String?
    public var nameLookup = NameLookup.auto
    /// Hosts that are reached directly: names with `*` and `?` wildcards, or IPv4 networks as `a.b.c.d/bits`.
    public var exclude: [String] = []
    /// Whether connections to this machine go through the proxy too (PuTTY's "Consider proxying local host connections").
    public var proxyLocalhost = false

    /// Creates settings of `kind`.
    public init(kind: Kind, host: String = "", port: Int = 0) {
        self.kind = kind
        self.host = host
        self.port = port
    }

    /// The proxy's name for messages: `http proxy proxy.corp:3128`, `proxy command 'nc %host %port'`.
    public var label: String {
        switch kind {
        case .command: "proxy command '\(command ?? "")'"
        default: "\(kind.rawValue) proxy \(host):\(port)"
        }
    }

    /// The port a kind uses when none is given.
    public static func defaultPort(for kind: Kind) -> Int {
        switch kind {
        case .http: 3128
        case .socks4, .socks4a, .socks5: 1080
        case .telnet: 23
        case .command: 0
        }
    }

    /// Parses a proxy URL: `http://user:pass@host:3128`, `socks5://user@host`, `socks4a://host:1080`,
    /// `telnet://host:23`. Returns nil for anything else.
    public init?(url: String) {
        guard let schemeEnd = url.range(of: "://") else { return nil }
        let scheme = url[..<schemeEnd.lowerBound].lowercased()
        guard let kind = Kind(rawValue: scheme == "socks" ? "socks5" : scheme == "https" ? "http" : scheme),
            kind != .command
        else { return nil }
        var rest = Substring(url[schemeEnd.upperBound...])
        while rest.hasSuffix("/") { rest = rest.dropLast() }
        self.init(kind: kind)
        if let at = rest.lastIndex(of: "@") {
            let credentials = rest[..<at]
            rest = rest[rest.index(after: at)...]
            if let colon = credentials.firstIndex(of: ":") {
                username = String(credentials[..<colon]).removingPercentEncodingIfPossible
                password = String(credentials[credentials.index(after: colon)...]).removingPercentEncodingIfPossible
            } else {
                username = String(credentials).removingPercentEncodingIfPossible
            }
        }
        guard
            let (host, port) = try? ConnectionTarget.hostAndPort(String(rest), defaultPort: Self.defaultPort(for: kind))
        else { return nil }
        self.host = host
        self.port = port
    }

    /// Whether a connection to `host` should use this proxy, after the exclude list and the localhost rule.
    public func applies(to host: String) -> Bool {
        if !proxyLocalhost, Self.isLocalhost(host) { return false }
        let name = host.lowercased()
        for pattern in exclude.map({ $0.lowercased() }) {
            if pattern.contains("/"), Self.ipv4(name, isIn: pattern) { return false }
            if Wildcard(pattern, bracketClasses: false).matches(name) { return false }
        }
        return true
    }

    static func isLocalhost(_ host: String) -> Bool {
        let name = host.lowercased()
        return name == "localhost" || name.hasSuffix(".localhost") || name == "::1" || name.hasPrefix("127.")
    }

    /// Whether `address` is a dotted IPv4 address inside the `a.b.c.d/bits` network.
    static func ipv4(_ address: String, isIn network: String) -> Bool {
        let parts = network.split(separator: "/")
        guard parts.count == 2, let bits = Int(parts[1]), (0...32).contains(bits),
            let base = ipv4Value(String(parts[0])), let value = ipv4Value(address)
        else { return false }
        let mask: UInt32 = bits == 0 ? 0 : ~UInt32(0) << (32 - UInt32(bits))
        return value & mask == base & mask
    }

    static func ipv4Value(_ text: String) -> UInt32? {
        let octets = text.split(separator: ".", omittingEmptySubsequences: false).compactMap { UInt8($0) }
        guard octets.count == 4, text.split(separator: ".").count == 4 else { return nil }
        return octets.reduce(UInt32(0)) { $0 << 8 | UInt32($1) }
    }
}

extension String {
    var removingPercentEncodingIfPossible: String { removingPercentEncoding ?? self }
}
