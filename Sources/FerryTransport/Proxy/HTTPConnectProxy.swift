import Foundation

/// HTTP `CONNECT` tunnelling (RFC 9110 §9.3.6) with optional Basic authentication.
enum HTTPConnectProxy {
    /// The request that asks the proxy for a tunnel to `host:port`; refused when a value would end a
    /// header line early (CR, LF or NUL) or, for the host, split the request line (a space).
    static func request(host: String, port: Int, username: String?, password: String?) throws(ProxyTemplate.Refusal)
        -> String
    {
        let values = [("host name", host), ("user name", username ?? ""), ("password", password ?? "")]
        for (name, value) in values
        where value.unicodeScalars.contains(where: { $0 == "\r" || $0 == "\n" || $0 == "\0" }) {
            throw ProxyTemplate.Refusal(reason: "the \(name) holds a line break or NUL")
        }
        if host.contains(where: \.isWhitespace) {
            throw ProxyTemplate.Refusal(reason: "the host name holds white space")
        }
        let authority = host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
        var text = "CONNECT \(authority) HTTP/1.1\r\nHost: \(authority)\r\n"
        if let username {
            let token = Data("\(username):\(password ?? "")".utf8).base64EncodedString()
            text += "Proxy-Authorization: Basic \(token)\r\n"
        }
        return text + "\r\n"
    }

    /// Asks for the tunnel and reads the answer up to the end of its headers.
    static func handshake(_ stream: ProxyStream, settings: ProxySettings, host: String, port: Int)
        throws(ProxyError)
    {
        let text: String
        do {
            text = try request(host: host, port: port, username: settings.username, password: settings.password)
        } catch {
            throw ProxyError.unsafeValue(proxy: settings.label, reason: error.reason)
        }
        try stream.send(Array(text.utf8))
        let status = try stream.readLine()
        while try !stream.readLine().isEmpty {}
        let parts = status.split(separator: " ", maxSplits: 2)
        guard parts.count >= 2, parts[0].hasPrefix("HTTP/"), let code = Int(parts[1]) else {
            throw ProxyError.protocolError(proxy: settings.label, detail: "'\(status)' is not an HTTP status line")
        }
        switch code {
        case 200..<300: return
        case 401, 407:
            if settings.username == nil { throw ProxyError.needsCredentials(proxy: settings.label, answer: status) }
            throw ProxyError.badCredentials(proxy: settings.label, answer: status)
        default:
            throw ProxyError.refused(proxy: settings.label, target: "\(host):\(port)", answer: status)
        }
    }
}
