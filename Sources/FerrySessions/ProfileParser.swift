import FerryBase
import FerryScript
import FerryTransport
import Yams

/// Reads a profile's YAML, checking every key and type, and reporting problems with file, line and column.
enum ProfileParser {
    static let topKeys = ConnectionSettings.fields.flatMap(\.keys)
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
            guard let field = ConnectionSettings.fields.first(where: { $0.keys.contains(key) }) else { continue }
            try read(value, key: key, as: field.kind, into: &profile.settings, reader: reader)
        }
        return try profile.checkingNames(file: file) { lines[$0.hasPrefix("proxy") ? "proxy" : $0] ?? 1 }
    }

    /// Reads the value of `key` into the setting `kind` names.
    private static func read(
        _ value: Node, key: String, as kind: ConnectionSettings.Kind, into settings: inout ConnectionSettings,
        reader: Reader
    ) throws(ProfileError) {
        switch kind {
        case .text(let path): settings[keyPath: path] = try reader.string(value, key)
        case .number(let path, let range): settings[keyPath: path] = try reader.int(value, key, range: range)
        case .flag(let path): settings[keyPath: path] = try reader.bool(value, key)
        case .list(let path, let commaSeparated):
            let items = try reader.strings(value, key)
            settings[keyPath: path] =
                commaSeparated
                ? items.flatMap { $0.split(separator: ",") }.map { String($0).trimmingCharacters(in: .whitespaces) }
                : items
        case .secret(let path):
            var secret = settings[keyPath: path] ?? ConnectionSettings.Secret()
            try readSecret(value, key: key, into: &secret, reader: reader)
            settings[keyPath: path] = secret
        case .proxy(let path): settings[keyPath: path] = try proxy(value, reader: reader)
        case .caps(let path):
            let text = try reader.string(value, key)
            guard let caps = BandwidthCaps(text) else {
                throw reader.error(value, "\(key): \(BandwidthCaps.notACap(text))")
            }
            settings[keyPath: path] = caps
        }
    }

    /// `password`, `password-env` or `password-file` (under any prefix) into `secret`.
    private static func readSecret(
        _ value: Node, key: String, into secret: inout ConnectionSettings.Secret, reader: Reader
    ) throws(ProfileError) {
        let text = try reader.string(value, key)
        if key.hasSuffix("-env") {
            secret.environment = text
        } else if key.hasSuffix("-file") {
            secret.file = text
        } else {
            secret.value = text
        }
    }

    private static func proxy(_ node: Node, reader: Reader) throws(ProfileError) -> ConnectionSettings.Proxy {
        if let text = node.scalar?.string {
            guard let settings = ProxySettings(url: text) else {
                throw reader.error(node, "proxy: '\(text)' is not a proxy URL such as http://host:3128")
            }
            var proxy = ConnectionSettings.Proxy(
                kind: settings.kind, host: settings.host, port: settings.port,
                user: settings.username)
            proxy.password.value = settings.password
            return proxy
        }
        let mapping = try reader.mapping(node, what: "proxy settings (or a proxy URL)")
        var proxy: ConnectionSettings.Proxy?
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
                proxy = ConnectionSettings.Proxy(kind: kind)
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
            case "password", "password-env", "password-file":
                try readSecret(value, key: label, into: &proxy.password, reader: reader)
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
