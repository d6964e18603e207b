import FerryBase
import FerryTransport
import Foundation

/// PuTTY's saved sessions on Unix: `$PUTTYDIR/sessions`, else `~/.config/putty/sessions` if it exists,
/// else `~/.putty/sessions`; one `Key=Value` file per session, its name escaped as `%XX` outside
/// `[A-Za-z0-9+-.@_]`.
public struct PuTTYSessions: Sendable {
    /// The folder PuTTY keeps sessions in.
    public var folder: String

    /// The folder for this environment.
    public init(environment: [String: String], home: String) {
        if let dir = environment["PUTTYDIR"], !dir.isEmpty {
            folder = dir + "/sessions"
        } else if FileManager.default.fileExists(atPath: home + "/.config/putty/sessions") {
            folder = home + "/.config/putty/sessions"
        } else {
            folder = home + "/.putty/sessions"
        }
    }

    /// PuTTY's file name for a session name.
    public static func fileName(for name: String) -> String {
        var escaped = ""
        for byte in name.utf8 {
            let c = Character(UnicodeScalar(byte))
            if c.isASCII, c.isLetter || c.isNumber || "+-.@_".contains(c) {
                escaped.append(c)
            } else {
                escaped += String(format: "%%%02X", byte)
            }
        }
        return escaped
    }

    /// The session name a PuTTY file name stands for.
    public static func sessionName(forFile file: String) -> String { file.removingPercentEncoding ?? file }

    /// Every PuTTY session name here.
    public func names() -> [String] {
        let files = (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []
        return files.filter { !$0.hasPrefix(".") }.map(Self.sessionName(forFile:)).sorted()
    }

    /// The path of PuTTY's file for `name`, if there is one.
    public func path(of name: String) -> String? {
        let path = folder + "/" + Self.fileName(for: name)
        return FileManager.default.fileExists(atPath: path) ? path : nil
    }

    /// Reads the PuTTY session `name` as a Ferry profile.
    public func load(_ name: String) throws(ProfileError) -> Profile? {
        guard let path = path(of: name) else { return nil }
        let text: String
        do {
            text = String(decoding: try BoundedFile.read(path, limit: BoundedFile.Limit.profile), as: UTF8.self)
        } catch {
            throw ProfileError.invalid(file: path, line: 1, column: 1, message: "cannot read it: \(error.reason)")
        }
        return try Self.profile(name: name, text: text, file: path)
    }

    /// Converts PuTTY's settings to a profile; a host or user name ``TargetName`` refuses is an error.
    public static func profile(name: String, text contents: String, file: String) throws(ProfileError) -> Profile {
        try converted(name: name, text: contents, file: file).checkingNames(file: file)
    }

    private static func converted(name: String, text contents: String, file: String) throws(ProfileError) -> Profile {
        var values: [String: String] = [:]
        for line in contents.split(whereSeparator: { $0 == "\n" || $0 == "\r\n" }) {
            guard let equals = line.firstIndex(of: "=") else { continue }
            values[String(line[..<equals])] = String(line[line.index(after: equals)...])
        }
        var profile = Profile(name: name)
        profile.path = file
        func text(_ key: String) -> String? { values[key].flatMap { $0.isEmpty ? nil : $0 } }
        func number(_ key: String) -> Int? { values[key].flatMap { Int($0) } }
        if let protocolName = text("Protocol"), protocolName != "ssh" {
            throw ProfileError.invalid(
                file: file, line: 1, column: 1,
                message: "PuTTY session '\(name)' uses \(protocolName), not SSH")
        }
        profile.host = text("HostName")
        profile.port = number("PortNumber")
        profile.user = text("UserName")
        if let key = text("PublicKeyFile") { profile.identityFiles = [key] }
        if let compression = number("Compression") { profile.compression = compression != 0 }
        if let keepalive = number("PingIntervalSecs"), keepalive > 0 { profile.keepalive = keepalive }
        // ProxyMethod (newer files) or ProxyType + ProxySOCKSVersion (older ones).
        let method: Int
        if let given = number("ProxyMethod") {
            method = given
        } else {
            switch number("ProxyType") ?? 0 {
            case 1: method = 3
            case 2: method = number("ProxySOCKSVersion") == 4 ? 1 : 2
            case 3: method = 4
            case 4: method = 5
            default: method = 0
            }
        }
        let kinds: [Int: ProxySettings.Kind] = [1: .socks4, 2: .socks5, 3: .http, 4: .telnet, 5: .command]
        if method == 6, let jumpHost = text("ProxyHost") {
            // "SSH to proxy and use port forwarding": a jump host.
            let user = text("ProxyUsername").map { $0 + "@" } ?? ""
            let port = number("ProxyPort").map { ":\($0)" } ?? ""
            profile.jump = [user + jumpHost + port]
            return profile
        }
        if method >= 6 {
            throw ProfileError.invalid(
                file: file, line: 1, column: 1,
                message: "PuTTY session '\(name)' runs its proxy as an SSH command or subsystem"
                    + " (ProxyMethod \(method)), which Ferry cannot use; a jump host (ProxyMethod 6) works")
        }
        if let kind = kinds[method] {
            var proxy = ConnectionSettings.Proxy(
                kind: kind, host: text("ProxyHost"), port: number("ProxyPort"),
                user: text("ProxyUsername"))
            proxy.password.value = text("ProxyPassword")
            if kind == .telnet || kind == .command { proxy.command = text("ProxyTelnetCommand") }
            proxy.exclude = (text("ProxyExcludeList") ?? "").split(whereSeparator: { $0 == "," || $0 == " " })
                .map(String.init)
            switch number("ProxyDNS") {
            case 0: proxy.dns = .local
            case 2: proxy.dns = .remote
            default: proxy.dns = .auto
            }
            proxy.localhost = number("ProxyLocalhost") == 1
            profile.proxy = proxy
        }
        return profile
    }
}
