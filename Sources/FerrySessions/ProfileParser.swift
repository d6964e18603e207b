import FerryBase
import FerryScript
import FerryTransport
import Yams

/// Reads a profile's YAML, checking every key and type, and reporting problems with file, line and column.
enum ProfileParser {
    static let topKeys = [
        "host", "port", "user", "identity", "hostkey", "known-hosts", "compression", "legacy-algorithms",
        "keepalive",
        "connect-timeout", "inplace", "verify", "retries", "remote-directory", "local-directory", "password",
        "password-env",
        "password-file",
        "proxy", "jump",
    ]
    static let proxyKeys = [
        "type", "host", "port", "user", "password", "password-env", "password-file", "command", "dns", "exclude",
        "localhost",
    ]

    static func parse(_ text: String, name: String, file: String) throws(ProfileError) -> Profile {
        let root: Node?
        do {
            root = try Yams.compose(yaml: text)
        } catch {
            throw ProfileError.invalid(file: file, line: 1, column: 1, message: "not valid YAML: \(error)")
        }
        var profile = Profile(name: name)
        profile.path = file
        guard let root else { return profile }
        let reader = Reader(file: file)
        let mapping = try reader.mapping(root, what: "a session")
        // Where each setting was written, for a refused host or user name.
        var lines: [String: Int] = [:]
        for (keyNode, value) in mapping {
            let key = try reader.key(keyNode, known: topKeys)
            lines[key] = keyNode.mark?.line
            switch key {
            case "host": profile.host = try reader.string(value, key)
            case "port": profile.port = try reader.port(value, key)
            case "user": profile.user = try reader.string(value, key)
            case "identity": profile.identityFiles = try reader.strings(value, key)
            case "hostkey": profile.hostKeys = try reader.strings(value, key)
            case "known-hosts": profile.knownHosts = try reader.string(value, key)
            case "compression": profile.compression = try reader.bool(value, key)
            case "legacy-algorithms": profile.legacyAlgorithms = try reader.bool(value, key)
            case "keepalive": profile.keepalive = try reader.int(value, key, range: 0...86400)
            case "connect-timeout": profile.connectTimeout = try reader.int(value, key, range: 1...3600)
            case "remote-directory": profile.remoteDirectory = try reader.string(value, key)
            case "inplace": profile.inPlace = try reader.bool(value, key)
            case "verify": profile.verify = try reader.bool(value, key)
            case "retries": profile.retries = try reader.int(value, key, range: 0...100)
            case "local-directory": profile.localDirectory = try reader.string(value, key)
            case "password": profile.password.value = try reader.string(value, key)
            case "password-env": profile.password.environment = try reader.string(value, key)
            case "password-file": profile.password.file = try reader.string(value, key)
            case "proxy": profile.proxy = try proxy(value, reader: reader)
            case "jump":
                profile.jump = try reader.strings(value, key).flatMap { $0.split(separator: ",") }
                    .map { String($0).trimmingCharacters(in: .whitespaces) }
            default: break
            }
        }
        return try profile.checkingNames(file: file) { lines[$0.hasPrefix("proxy") ? "proxy" : $0] ?? 1 }
    }

    private static func proxy(_ node: Node, reader: Reader) throws(ProfileError) -> Profile.Proxy {
        if let text = node.scalar?.string {
            guard let settings = ProxySettings(url: text) else {
                throw reader.error(node, "proxy: '\(text)' is not a proxy URL such as http://host:3128")
            }
            var proxy = Profile.Proxy(
                kind: settings.kind, host: settings.host, port: settings.port,
                user: settings.username)
            proxy.password.value = settings.password
            return proxy
        }
        let mapping = try reader.mapping(node, what: "proxy settings (or a proxy URL)")
        var proxy: Profile.Proxy?
        var fields: [(String, Node)] = []
        for (keyNode, value) in mapping {
            let key = try reader.key(keyNode, known: proxyKeys, prefix: "proxy.")
            if key == "type" {
                let text = try reader.string(value, "proxy.type")
                guard let kind = ProxySettings.Kind(rawValue: text) else {
                    throw reader.error(
                        value,
                        "proxy.type: '\(text)' is not one of "
                            + ProxySettings.Kind.allCases.map(\.rawValue).joined(separator: ", "))
                }
                proxy = Profile.Proxy(kind: kind)
            } else {
                fields.append((key, value))
            }
        }
        guard var proxy else { throw reader.error(node, "proxy: missing 'type'") }
        for (key, value) in fields {
            let label = "proxy." + key
            switch key {
            case "host": proxy.host = try reader.string(value, label)
            case "port": proxy.port = try reader.port(value, label)
            case "user": proxy.user = try reader.string(value, label)
            case "password": proxy.password.value = try reader.string(value, label)
            case "password-env": proxy.password.environment = try reader.string(value, label)
            case "password-file": proxy.password.file = try reader.string(value, label)
            case "command": proxy.command = try reader.string(value, label)
            case "dns":
                let text = try reader.string(value, label)
                guard let lookup = ProxySettings.NameLookup(rawValue: text) else {
                    throw reader.error(value, "\(label): '\(text)' is not auto, local or remote")
                }
                proxy.dns = lookup
            case "exclude":
                proxy.exclude = try reader.strings(value, label).flatMap { $0.split(separator: ",") }
                    .map { String($0).trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
            case "localhost": proxy.localhost = try reader.bool(value, label)
            default: break
            }
        }
        if proxy.kind == .command, proxy.command == nil {
            throw reader.error(node, "proxy: type command needs 'command'")
        }
        if proxy.kind != .command, proxy.host == nil {
            throw reader.error(node, "proxy: type \(proxy.kind.rawValue) needs 'host'")
        }
        return proxy
    }
}

/// Typed access to YAML nodes with errors that carry the node's position.
///
/// Everything read counts against ``expansionLimit``: an alias repeated in a list costs its full size
/// each time, so a small file cannot expand into gigabytes of values.
private final class Reader {
    let file: String
    /// The most text (in bytes, plus one per value) the values of one session may come to.
    static let expansionLimit = 1 << 20
    private var taken = 0

    init(file: String) {
        self.file = file
    }

    func error(_ node: Node, _ message: String) -> ProfileError {
        ProfileError.invalid(
            file: file, line: (node.mark?.line ?? 0), column: (node.mark?.column ?? 0),
            message: message)
    }

    func mapping(_ node: Node, what: String) throws(ProfileError) -> Node.Mapping {
        guard let mapping = node.mapping else { throw error(node, "expected \(what) as 'key: value' lines") }
        return mapping
    }

    func key(_ node: Node, known: [String], prefix: String = "") throws(ProfileError) -> String {
        guard let key = node.scalar?.string else { throw error(node, "keys must be plain words") }
        guard known.contains(key) else {
            var message = "unknown key '\(prefix)\(key)'"
            if let best = ScriptParser.closest(to: key, among: known, within: 2) {
                message += " (did you mean '\(prefix)\(best)'?)"
            }
            throw error(node, message)
        }
        return key
    }

    func string(_ node: Node, _ key: String) throws(ProfileError) -> String {
        guard let scalar = node.scalar else { throw error(node, "\(key): expected text") }
        taken += scalar.string.utf8.count + 1
        if taken > Self.expansionLimit {
            throw error(
                node,
                "\(key): the session's values come to more than \(BoundedFile.size(Self.expansionLimit))"
                    + " (an alias repeated?)")
        }
        return scalar.string
    }

    func strings(_ node: Node, _ key: String) throws(ProfileError) -> [String] {
        if let scalar = node.scalar { return [scalar.string] }
        guard let sequence = node.sequence else { throw error(node, "\(key): expected text or a list") }
        var values: [String] = []
        for item in sequence { values.append(try string(item, key)) }
        return values
    }

    func int(_ node: Node, _ key: String, range: ClosedRange<Int>) throws(ProfileError) -> Int {
        guard let text = node.scalar?.string, let value = Int(text) else {
            throw error(node, "\(key): expected a whole number")
        }
        guard range.contains(value) else {
            throw error(node, "\(key): \(value) is outside \(range.lowerBound)...\(range.upperBound)")
        }
        return value
    }

    func port(_ node: Node, _ key: String) throws(ProfileError) -> Int { try int(node, key, range: 1...65535) }

    func bool(_ node: Node, _ key: String) throws(ProfileError) -> Bool {
        switch node.scalar?.string.lowercased() {
        case "true", "yes", "on": return true
        case "false", "no", "off": return false
        default: throw error(node, "\(key): expected true or false")
        }
    }
}
