import Foundation

/// An OpenSSH `known_hosts` file: plain, wildcard, negated, `[host]:port` and hashed entries.
public struct KnownHosts: Sendable {
    /// One key line of the file.
    public struct Entry: Sendable, Equatable {
        /// The line's number in the file, from 1.
        public var line: Int
        /// The `@revoked` or `@cert-authority` marker, if any.
        public var marker: String?
        /// The comma-separated host patterns, or one `|1|salt|hash` hashed name.
        public var hostPatterns: String
        /// The key's type name, such as `ssh-ed25519`.
        public var keyType: String
        /// The key blob.
        public var key: Data
    }

    /// What the file says about a host's key.
    public enum Verdict: Equatable, Sendable {
        /// The file holds this key for this host.
        case match(line: Int)
        /// The file holds another key of the same type for this host.
        case changed(line: Int)
        /// The file marks this key `@revoked`.
        case revoked(line: Int)
        /// The file holds no key of this type for this host.
        case unknown
    }

    /// The file's path.
    public var path: String
    /// The key lines, in file order.
    public var entries: [Entry]

    /// Reads `path`; a missing file is an empty one.
    public init(path: String) throws {
        guard FileManager.default.fileExists(atPath: path) else {
            self.init(path: path, text: "")
            return
        }
        let text = try String(contentsOfFile: path, encoding: .utf8)
        self.init(path: path, text: text)
    }

    /// Parses `text` as the contents of `path`; malformed lines are skipped, as OpenSSH does.
    public init(path: String, text: String) {
        self.path = path
        var entries: [Entry] = []
        for (index, line) in text.split(
            omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" || $0 == "\r\n" }
        ).enumerated() {
            var fields = line.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
            guard let first = fields.first, !first.hasPrefix("#") else { continue }
            var marker: String?
            if first.hasPrefix("@") {
                marker = first
                fields.removeFirst()
            }
            guard fields.count >= 3, let key = Data(base64Encoded: fields[2]) else { continue }
            entries.append(
                Entry(line: index + 1, marker: marker, hostPatterns: fields[0], keyType: fields[1], key: key))
        }
        self.entries = entries
    }

    /// The name a host is filed under: `host`, or `[host]:port` when the port is not 22.
    public static func hostEntryName(host: String, port: Int) -> String {
        port == 22 ? host.lowercased() : "[\(host.lowercased())]:\(port)"
    }

    /// What the file says about `key` for `host` on `port`.
    public func verdict(host: String, port: Int, key: HostKey) -> Verdict {
        let name = Self.hostEntryName(host: host, port: port)
        var changedLine: Int?
        for entry in entries where entry.marker != "@cert-authority" && Self.matches(entry.hostPatterns, name) {
            if entry.marker == "@revoked" {
                if entry.key == key.blob { return .revoked(line: entry.line) }
                continue
            }
            guard entry.keyType == key.algorithm else { continue }
            if entry.key == key.blob { return .match(line: entry.line) }
            changedLine = changedLine ?? entry.line
        }
        return changedLine.map { .changed(line: $0) } ?? .unknown
    }

    /// The key types the file holds for `host` on `port`, in file order, without repeats.
    public func keyTypes(host: String, port: Int) -> [String] {
        let name = Self.hostEntryName(host: host, port: port)
        var types: [String] = []
        for entry in entries where entry.marker == nil && Self.matches(entry.hostPatterns, name) {
            if !types.contains(entry.keyType) { types.append(entry.keyType) }
        }
        return types
    }

    /// Appends a plain entry for `key` to the file at `path`, creating the file and its folder if needed.
    public static func append(host: String, port: Int, key: HostKey, to path: String) throws {
        let folder = (path as NSString).deletingLastPathComponent
        if !folder.isEmpty {
            try FileManager.default.createDirectory(
                atPath: folder, withIntermediateDirectories: true,
                attributes: [.posixPermissions: 0o700])
        }
        let line = "\(hostEntryName(host: host, port: port)) \(key.algorithm) \(key.blob.base64EncodedString())\n"
        var existing = (try? Data(contentsOf: URL(fileURLWithPath: path))) ?? Data()
        if let last = existing.last, last != UInt8(ascii: "\n") { existing.append(UInt8(ascii: "\n")) }
        existing.append(Data(line.utf8))
        try existing.write(to: URL(fileURLWithPath: path), options: .atomic)
    }

    /// Whether a comma-separated pattern list (or a hashed name) matches `name`.
    static func matches(_ patterns: String, _ name: String) -> Bool {
        if patterns.hasPrefix("|1|") {
            let parts = patterns.split(separator: "|", omittingEmptySubsequences: true)
            guard parts.count == 3, let salt = Data(base64Encoded: String(parts[1])),
                let hash = Data(base64Encoded: String(parts[2]))
            else { return false }
            return Digest.hmacSHA1(key: salt, message: Data(name.utf8)) == hash
        }
        return Wildcard.matchesPatternList(patterns.split(separator: ","), name)
    }
}
