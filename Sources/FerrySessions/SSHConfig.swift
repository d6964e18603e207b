import FerryBase
import FerryScript
import Foundation

/// `Host` blocks of an OpenSSH client configuration (`~/.ssh/config`), read the way `ssh` reads them:
/// every block whose patterns match the name contributes, and the first value for each keyword wins.
public struct SSHConfig: Sendable {
    struct Block: Sendable {
        var patterns: [String]
        var line: Int
        var options: [(key: String, value: String, line: Int)]
    }

    /// The file's path.
    public var path: String
    var blocks: [Block]

    /// Reads `path`; a missing file has no blocks.
    public init(path: String) {
        // A file that cannot be read, or is past the cap for configuration files, names no hosts.
        let data = try? BoundedFile.read(path, limit: BoundedFile.Limit.profile)
        self.init(path: path, text: data.map { String(decoding: $0, as: UTF8.self) } ?? "")
    }

    /// Parses `text` as the contents of `path`.
    public init(path: String, text: String) {
        self.path = path
        var blocks: [Block] = []
        var current: Block? = Block(patterns: ["*"], line: 0, options: [])
        for (index, raw) in text.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" || $0 == "\r\n" })
            .enumerated()
        {
            let line = raw.trimmingCharacters(in: .whitespaces)
            if line.isEmpty || line.hasPrefix("#") { continue }
            let split = line.firstIndex(where: { $0 == " " || $0 == "\t" || $0 == "=" }) ?? line.endIndex
            let key = line[..<split].lowercased()
            var value = line[split...].drop(while: { $0 == " " || $0 == "\t" || $0 == "=" })
                .trimmingCharacters(in: .whitespaces)
            if value.hasPrefix("\""), value.hasSuffix("\""), value.count >= 2 {
                value = String(value.dropFirst().dropLast())
            }
            switch key {
            case "host":
                if let current { blocks.append(current) }
                current = Block(patterns: value.split(separator: " ").map(String.init), line: index + 1, options: [])
            case "match":
                // Match blocks depend on run-time conditions; their options are left out.
                if let current { blocks.append(current) }
                current = nil
            default:
                current?.options.append((key, value, index + 1))
            }
        }
        if let current { blocks.append(current) }
        self.blocks = blocks
    }

    /// The host names given literally (without wildcards) in `Host` lines.
    public var literalHosts: [String] {
        var names: [String] = []
        for block in blocks {
            for pattern in block.patterns
            where !pattern.contains(where: { "*?!".contains($0) }) && !names.contains(pattern) {
                names.append(pattern)
            }
        }
        return names
    }

    /// The profile `ssh NAME` would use, or nil when no `Host` line names NAME literally.
    public func profile(for name: String, home: String) throws(ProfileError) -> Profile? {
        guard literalHosts.contains(where: { $0.lowercased() == name.lowercased() }) else { return nil }
        var first: [String: (value: String, line: Int)] = [:]
        var identities: [String] = []
        for block in blocks where Wildcard.matchesPatternList(block.patterns, name) {
            for option in block.options {
                if option.key == "identityfile" {
                    identities.append(option.value)
                } else if first[option.key] == nil {
                    first[option.key] = (option.value, option.line)
                }
            }
        }
        func expand(_ value: String) -> String {
            var text = value.replacingOccurrences(of: "%h", with: name).replacingOccurrences(of: "%%", with: "%")
            if text.hasPrefix("~/") { text = home + text.dropFirst() }
            return text
        }
        var profile = Profile(name: name)
        profile.path = path
        profile.host = first["hostname"].map { expand($0.value) } ?? name
        if let port = first["port"] {
            guard let value = Int(port.value), (1...65535).contains(value) else {
                throw ProfileError.invalid(
                    file: path, line: port.line, column: 1,
                    message: "Port: '\(port.value)' is not a port number")
            }
            profile.port = value
        }
        profile.user = first["user"]?.value
        profile.identityFiles = identities.map(expand)
        if let file = first["userknownhostsfile"]?.value.split(separator: " ").first {
            profile.knownHosts = expand(String(file))
        }
        if let compression = first["compression"]?.value.lowercased() { profile.compression = compression == "yes" }
        if let jump = first["proxyjump"], jump.value.lowercased() != "none" {
            profile.jump = jump.value.split(separator: ",").map { String($0).trimmingCharacters(in: .whitespaces) }
                .map { $0.hasPrefix("ssh://") ? String($0.dropFirst(6)) : $0 }
        }
        if let command = first["proxycommand"], command.value.lowercased() != "none" {
            var proxy = ConnectionSettings.Proxy(kind: .command)
            proxy.command = command.value
            proxy.localhost = true
            profile.proxy = proxy
        }
        let lines = ["host": first["hostname"]?.line, "user": first["user"]?.line, "jump": first["proxyjump"]?.line]
        return try profile.checkingNames(file: path) { (lines[$0] ?? nil) ?? 1 }
    }
}
