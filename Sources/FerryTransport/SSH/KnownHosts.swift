import FerryBase
import FerryScript
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
    public private(set) var entries: [Entry]
    /// Where to look for a host's entries without reading every line: entries whose patterns are all
    /// plain names, by each name (lowercased); hashed entries; and the rest (wildcards, negations),
    /// which are matched against every host. Each list holds positions in ``entries``.
    private var byName: [String: [Int]] = [:]
    private var hashed: [HashedName] = []
    private var patterned: [Int] = []
    /// The entries each host name matched, so that a host's hashed entries cost one HMAC each per
    /// run however many times the host is looked up.
    private let memo = MatchMemo()

    /// Lines that were left out because their host, type or key field is not valid UTF-8 (a
    /// comment after the key may be in any encoding).
    public var unreadableLines: [Int] = []
    /// Lines that were left out because they start with a marker other than `@revoked` and
    /// `@cert-authority` (OpenSSH's spelling, case included), with the marker: such a line never trusts
    /// a key, nor revokes one.
    public var unknownMarkers: [(line: Int, marker: String)] = []

    /// Reads `path`; a missing file is an empty one, and one past ``BoundedFile/Limit/knownHosts`` an error.
    public init(path: String) throws {
        let data: Data
        switch Result(catching: { () throws(BoundedFileError) in
            try BoundedFile.read(path, limit: BoundedFile.Limit.knownHosts)
        }) {
        case .success(let read): data = read
        case .failure(let error) where error.isMissing: data = Data()
        case .failure(let error): throw error
        }
        self.init(path: path, data: data)
    }

    /// Parses `text` as the contents of `path`; malformed lines are skipped, as OpenSSH does.
    public init(path: String, text: String) {
        self.init(path: path, data: Data(text.utf8))
    }

    /// Parses the bytes of a known_hosts file. Malformed lines are skipped, as OpenSSH does; a line
    /// whose fields are not UTF-8 is skipped too and listed in ``unreadableLines``, so that one odd
    /// byte (a Latin-1 comment line, say) costs that line and not the whole file.
    public init(path: String, data: Data) {
        self.path = path
        var entries: [Entry] = []
        var unreadable: [Int] = []
        var unknownMarkers: [(Int, String)] = []
        let space = { (byte: UInt8) in byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\t") }
        for (index, rawLine) in data.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false)
            .enumerated()
        {
            var line = rawLine
            if line.last == UInt8(ascii: "\r") { line = line.dropLast() }
            let fields = line.split(whereSeparator: space)
            guard let first = fields.first, first.first != UInt8(ascii: "#") else { continue }
            let hasMarker = first.first == UInt8(ascii: "@")
            let wanted = fields.prefix(hasMarker ? 4 : 3)
            let decoded = wanted.compactMap { String(validating: $0, as: UTF8.self) }
            guard decoded.count == wanted.count else {
                unreadable.append(index + 1)
                continue
            }
            let marker = hasMarker ? decoded.first : nil
            if let marker, !Self.markers.contains(marker) {
                unknownMarkers.append((index + 1, marker))
                continue
            }
            let rest = Array(decoded.dropFirst(hasMarker ? 1 : 0))
            guard rest.count >= 3, let key = Data(base64Encoded: rest[2]) else { continue }
            entries.append(Entry(line: index + 1, marker: marker, hostPatterns: rest[0], keyType: rest[1], key: key))
        }
        self.entries = entries
        unreadableLines = unreadable
        self.unknownMarkers = unknownMarkers
        index()
    }

    /// Files each entry under the names it holds, or among the hashed or patterned ones.
    private mutating func index() {
        for (position, entry) in entries.enumerated() {
            if entry.hostPatterns.hasPrefix("|1|") {
                // A hashed name that does not decode can match nothing.
                if let name = HashedName(entry.hostPatterns, position: position) { hashed.append(name) }
                continue
            }
            let patterns = entry.hostPatterns.split(separator: ",")
            if patterns.allSatisfy(Self.isPlainName) {
                for name in Set(patterns.map { $0.lowercased() }) { byName[name, default: []].append(position) }
            } else {
                patterned.append(position)
            }
        }
    }

    /// Whether a pattern matches only the name it spells: no wildcard, no negation, no escape.
    private static func isPlainName(_ pattern: Substring) -> Bool {
        !pattern.isEmpty && !pattern.hasPrefix("!") && !pattern.contains(where: { "*?\\".contains($0) })
    }

    /// The entries whose hosts match `name` (as ``hostEntryName(host:port:)`` spells it), in file order.
    func entries(matching name: String) -> [Entry] {
        let positions = memo.positions(for: name) {
            var found = byName[name] ?? []
            found += patterned.filter { Self.matches(entries[$0].hostPatterns, name) }
            if !hashed.isEmpty {
                let hmac = Digest.HMACSHA1()
                let bytes = Array(name.utf8)
                found += hashed.filter { $0.matches(bytes, with: hmac) }.map(\.position)
            }
            return found.sorted()
        }
        return positions.map { entries[$0] }
    }

    /// How many hashed entries have been compared with a name (one HMAC each), for tests.
    package var hashComparisons: Int { memo.comparisons(hashed: hashed.count) }

    /// The markers OpenSSH knows; it compares them case and all.
    static let markers: Set<String> = ["@revoked", "@cert-authority"]

    /// The name a host is filed under: `host`, or `[host]:port` when the port is not 22.
    public static func hostEntryName(host: String, port: Int) -> String {
        port == 22 ? host.lowercased() : "[\(host.lowercased())]:\(port)"
    }

    /// What the file says about `key` for `host` on `port`. A `@revoked` line for the key, wherever it
    /// stands, wins over any line that accepts it, as in OpenSSH.
    public func verdict(host: String, port: Int, key: HostKey) -> Verdict {
        let matching = entries(matching: Self.hostEntryName(host: host, port: port)).filter {
            $0.marker != "@cert-authority"
        }
        if let revoked = matching.first(where: { $0.marker == "@revoked" && $0.key == key.blob }) {
            return .revoked(line: revoked.line)
        }
        var changedLine: Int?
        for entry in matching where entry.marker == nil {
            guard entry.keyType == key.algorithm else { continue }
            if entry.key == key.blob { return .match(line: entry.line) }
            changedLine = changedLine ?? entry.line
        }
        return changedLine.map { .changed(line: $0) } ?? .unknown
    }

    /// The key types the file holds for `host` on `port`, in file order, without repeats.
    public func keyTypes(host: String, port: Int) -> [String] {
        var types: [String] = []
        for entry in entries(matching: Self.hostEntryName(host: host, port: port)) where entry.marker == nil {
            if !types.contains(entry.keyType) { types.append(entry.keyType) }
        }
        return types
    }

    /// Adds a plain entry for `key` to the file at `path`, creating the file and its folder if needed.
    ///
    /// The line is appended in place, as OpenSSH does, under an exclusive `flock` so that Ferry runs
    /// storing keys at the same moment neither interleave nor lose lines: a symbolic link keeps
    /// pointing at the real file, which keeps its mode and owner. An entry another run stored while
    /// this one waited is not added twice.
    public static func append(host: String, port: Int, key: HostKey, to path: String) throws {
        let folder = (path as NSString).deletingLastPathComponent
        if !folder.isEmpty, !FileManager.default.fileExists(atPath: folder) {
            try FileManager.default.createDirectory(
                atPath: folder, withIntermediateDirectories: true,
                attributes: [.posixPermissions: 0o700])
        }
        let file = try LocalFile(path: path, flags: O_RDWR | O_APPEND | O_CREAT, mode: 0o644, operation: "open")
        while flock(file.descriptor, LOCK_EX) != 0 {
            guard errno == EINTR else { throw LocalFileError(path: path, operation: "lock") }
        }
        var existing = Data(count: Int(try file.status().st_size))
        let count = existing.withUnsafeMutableBytes { pread(file.descriptor, $0.baseAddress, $0.count, 0) }
        guard count == existing.count else { throw LocalFileError(path: path, operation: "read") }
        if case .match = KnownHosts(path: path, data: existing).verdict(host: host, port: port, key: key) { return }
        var line = "\(hostEntryName(host: host, port: port)) \(key.algorithm) \(key.blob.base64EncodedString())\n"
        if let last = existing.last, last != UInt8(ascii: "\n") { line = "\n" + line }
        try Array(line.utf8).withUnsafeBytes { try file.write($0) }
        guard fsync(file.descriptor) == 0 else { throw LocalFileError(path: path, operation: "sync") }
        // Closing also drops the lock; a failure the kernel reports only now still counts.
        try file.close()
    }

    /// Whether a comma-separated pattern list (or a hashed name) matches `name`.
    static func matches(_ patterns: String, _ name: String) -> Bool {
        if patterns.hasPrefix("|1|") {
            return HashedName(patterns, position: 0)?.matches(Array(name.utf8), with: Digest.HMACSHA1()) ?? false
        }
        return Wildcard.matchesPatternList(patterns.split(separator: ","), name)
    }
}

/// A hashed known_hosts name (`|1|salt|hash`), decoded once when the file is read.
struct HashedName {
    let position: Int
    let salt: [UInt8]
    let hash: [UInt8]

    init?(_ text: String, position: Int) {
        let parts = text.split(separator: "|", omittingEmptySubsequences: true)
        guard parts.count == 3, parts[0] == "1", let salt = Data(base64Encoded: String(parts[1])),
            let hash = Data(base64Encoded: String(parts[2])), hash.count == 20
        else { return nil }
        (self.position, self.salt, self.hash) = (position, Array(salt), Array(hash))
    }

    /// Whether `name` (its UTF-8 bytes) is the name hashed here.
    func matches(_ name: [UInt8], with hmac: Digest.HMACSHA1) -> Bool {
        hmac.code(key: salt, message: name) == hash
    }
}

/// The positions of the entries each host name matched, kept for the life of the parsed file.
final class MatchMemo: @unchecked Sendable {
    private let lock = NSLock()
    private var found: [String: [Int]] = [:]
    private var lookups = 0

    /// The positions for `name`, worked out by `compute` the first time it is asked for.
    func positions(for name: String, compute: () -> [Int]) -> [Int] {
        lock.lock()
        if let known = found[name] {
            lock.unlock()
            return known
        }
        lock.unlock()
        let positions = compute()
        lock.lock()
        // A run names each host once or twice; a bound keeps a long prompt session from growing it.
        if found.count >= 65_536 { found.removeAll() }
        found[name] = positions
        lookups += 1
        lock.unlock()
        return positions
    }

    /// Hashed entries compared so far, `hashed` per name worked out.
    func comparisons(hashed: Int) -> Int {
        lock.lock()
        defer { lock.unlock() }
        return lookups * hashed
    }
}

/// The known_hosts files of this run, each read once and read again only when it changes on disk
/// (another run, or this one, stored a key): a run over a thousand hosts checks them all against one
/// parsed and indexed copy.
public final class KnownHostsFiles: @unchecked Sendable {
    /// The files of this process.
    public static let shared = KnownHostsFiles()

    private let lock = NSLock()
    private var files: [String: (stamp: Stamp, file: KnownHosts)] = [:]

    /// What tells a file's versions apart: which file it is, its size, and when it last changed.
    struct Stamp: Equatable {
        var device: UInt64
        var inode: UInt64
        var size: Int64
        var modified: Int
        var modifiedNanoseconds: Int
        var changed: Int
        var changedNanoseconds: Int

        init?(path: String) {
            var info = stat()
            guard stat(path, &info) == 0 else { return nil }
            device = UInt64(info.st_dev)
            inode = UInt64(info.st_ino)
            size = Int64(info.st_size)
            modified = info.st_mtim.tv_sec
            modifiedNanoseconds = info.st_mtim.tv_nsec
            changed = info.st_ctim.tv_sec
            changedNanoseconds = info.st_ctim.tv_nsec
        }
    }

    /// How many times a file was read and parsed, for tests.
    package private(set) var reads = 0

    /// The parsed file at `path`, read now only if it is new to this run or changed since.
    public func file(at path: String) throws -> KnownHosts {
        guard let stamp = Stamp(path: path) else {
            // Missing (an empty file) or unreadable: the reader says which, and nothing is kept.
            return try KnownHosts(path: path)
        }
        // Held while reading, so that the hosts starting together wait for one read instead of each
        // making its own copy.
        lock.lock()
        defer { lock.unlock() }
        if let kept = files[path], kept.stamp == stamp { return kept.file }
        let file = try KnownHosts(path: path)
        reads += 1
        // Kept under the stamp taken before reading: a change while reading is seen next time.
        files[path] = (stamp, file)
        return file
    }
}
