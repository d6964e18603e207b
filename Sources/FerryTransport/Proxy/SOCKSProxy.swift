import Foundation

/// SOCKS 4 and 4a (the de facto protocol) and SOCKS 5 (RFC 1928, with RFC 1929 username/password).
enum SOCKSProxy {
    // MARK: SOCKS 4 and 4a

    /// A SOCKS 4 CONNECT for an IPv4 address, or a 4a one carrying `name` (then the address is 0.0.0.1).
    static func request4(address: [UInt8]?, name: String?, port: Int, userID: String) -> [UInt8] {
        var bytes: [UInt8] = [4, 1, UInt8(port >> 8 & 0xff), UInt8(port & 0xff)]
        bytes += address ?? [0, 0, 0, 1]
        bytes += Array(userID.utf8) + [0]
        if address == nil, let name { bytes += Array(name.utf8) + [0] }
        return bytes
    }

    static func reply4Words(_ code: UInt8) -> String {
        switch code {
        case 91: "request rejected or failed (code 91)"
        case 92: "request rejected: the proxy cannot reach our identd (code 92)"
        case 93: "request rejected: identd reports a different user id (code 93)"
        default: "unknown reply code \(code)"
        }
    }

    static func handshake4(
        _ stream: ProxyStream, settings: ProxySettings, host: String, port: Int,
        family: AddressFamily
    ) throws(ProxyError) {
        let remoteNames =
            settings.kind == .socks4a && settings.nameLookup != .local
            || settings.nameLookup == .remote
        var address: [UInt8]?
        if !remoteNames || ProxySettings.ipv4Value(host) != nil {
            address = try resolve(host, family: .ipv4, settings: settings)
        }
        try stream.send(request4(address: address, name: host, port: port, userID: settings.username ?? ""))
        let reply = try stream.read(8)
        guard reply[0] == 0 else {
            throw ProxyError.protocolError(proxy: settings.label, detail: "reply version \(reply[0]), expected 0")
        }
        if reply[1] != 90 {
            throw ProxyError.refused(proxy: settings.label, target: "\(host):\(port)", answer: reply4Words(reply[1]))
        }
    }

    // MARK: SOCKS 5

    /// The greeting offering "no authentication" and, with credentials, "username/password".
    static func greeting5(withCredentials: Bool) -> [UInt8] {
        withCredentials ? [5, 2, 0, 2] : [5, 1, 0]
    }

    /// The RFC 1929 username/password request.
    static func credentials5(username: String, password: String) -> [UInt8] {
        let user = Array(username.utf8.prefix(255))
        let pass = Array(password.utf8.prefix(255))
        return [1, UInt8(user.count)] + user + [UInt8(pass.count)] + pass
    }

    /// A CONNECT request for an address (4 or 16 bytes) or, when `address` is nil, for `name`.
    static func request5(address: [UInt8]?, name: String, port: Int) -> [UInt8] {
        var bytes: [UInt8] = [5, 1, 0]
        if let address {
            bytes += [address.count == 4 ? 1 : 4] + address
        } else {
            let encoded = Array(name.utf8.prefix(255))
            bytes += [3, UInt8(encoded.count)] + encoded
        }
        return bytes + [UInt8(port >> 8 & 0xff), UInt8(port & 0xff)]
    }

    static func reply5Words(_ code: UInt8) -> String {
        switch code {
        case 1: "general SOCKS server failure"
        case 2: "connection not allowed by ruleset"
        case 3: "network unreachable"
        case 4: "host unreachable"
        case 5: "connection refused"
        case 6: "TTL expired"
        case 7: "command not supported"
        case 8: "address type not supported"
        default: "reply code \(code)"
        }
    }

    static func handshake5(
        _ stream: ProxyStream, settings: ProxySettings, host: String, port: Int,
        family: AddressFamily
    ) throws(ProxyError) {
        let label = settings.label
        try stream.send(greeting5(withCredentials: settings.username != nil))
        let choice = try stream.read(2)
        guard choice[0] == 5 else {
            throw ProxyError.protocolError(proxy: label, detail: "reply version \(choice[0]), expected 5")
        }
        switch choice[1] {
        case 0: break
        case 2:
            guard let username = settings.username else {
                throw ProxyError.needsCredentials(proxy: label, answer: "it asks for username/password authentication")
            }
            try stream.send(credentials5(username: username, password: settings.password ?? ""))
            let status = try stream.read(2)
            if status[1] != 0 {
                throw ProxyError.badCredentials(proxy: label, answer: "authentication status \(status[1])")
            }
        case 0xFF:
            if settings.username == nil {
                throw ProxyError.needsCredentials(
                    proxy: label, answer: "no offered authentication method is acceptable")
            }
            throw ProxyError.protocolError(proxy: label, detail: "no offered authentication method is acceptable")
        default:
            throw ProxyError.protocolError(proxy: label, detail: "it chose authentication method \(choice[1])")
        }
        var address: [UInt8]?
        if settings.nameLookup == .local || isAddressLiteral(host) {
            address = try resolve(host, family: family, settings: settings)
        }
        try stream.send(request5(address: address, name: host, port: port))
        let head = try stream.read(4)
        guard head[0] == 5 else {
            throw ProxyError.protocolError(proxy: label, detail: "reply version \(head[0]), expected 5")
        }
        if head[1] != 0 {
            throw ProxyError.refused(proxy: label, target: "\(host):\(port)", answer: reply5Words(head[1]))
        }
        switch head[3] {
        case 1: _ = try stream.read(4 + 2)
        case 4: _ = try stream.read(16 + 2)
        case 3: _ = try stream.read(Int(try stream.read(1)[0]) + 2)
        default: throw ProxyError.protocolError(proxy: label, detail: "bound address type \(head[3])")
        }
    }

    // MARK: Names

    static func isAddressLiteral(_ host: String) -> Bool {
        var v4 = in_addr()
        var v6 = in6_addr()
        return inet_pton(AF_INET, host, &v4) == 1 || inet_pton(AF_INET6, host, &v6) == 1
    }

    /// Resolves `host` here, for proxies that are to be given an address.
    static func resolve(_ host: String, family: AddressFamily, settings: ProxySettings) throws(ProxyError) -> [UInt8] {
        var hints = addrinfo()
        hints.ai_family = family.posix
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var list: UnsafeMutablePointer<addrinfo>?
        let status = getaddrinfo(host, nil, &hints, &list)
        defer { if list != nil { freeaddrinfo(list) } }
        guard status == 0, let info = list?.pointee, let address = info.ai_addr else {
            throw ProxyError.unreachable(
                proxy: settings.label,
                reason: "cannot resolve '\(host)' here: \(String(cString: gai_strerror(status)))")
        }
        if info.ai_family == AF_INET {
            return address.withMemoryRebound(to: sockaddr_in.self, capacity: 1) {
                withUnsafeBytes(of: $0.pointee.sin_addr) { Array($0) }
            }
        }
        return address.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) {
            withUnsafeBytes(of: $0.pointee.sin6_addr) { Array($0) }
        }
    }
}
