import Foundation

/// Reads a file the user pointed Ferry at (a script, a saved session, a key, a hosts file) whole, but
/// never more than a cap: a file past it is refused with a clear error instead of filling memory.
public enum BoundedFile {
    /// The caps, in bytes, by kind of input.
    public enum Limit {
        /// A batch script.
        public static let script = 8 << 20
        /// A saved session (YAML), a PuTTY session file, an ssh_config file.
        public static let profile = 1 << 20
        /// A private key file.
        public static let key = 1 << 20
        /// A hosts file of a run over many hosts.
        public static let hostsFile = 16 << 20
        /// A known_hosts file.
        public static let knownHosts = 64 << 20
        /// An earlier run's `report.json` (`--rerun`).
        public static let report = 512 << 20
        /// A file holding a password.
        public static let secret = 64 << 10
    }

    /// What `path` holds, if it is at most `limit` bytes.
    public static func read(_ path: String, limit: Int) throws(BoundedFileError) -> Data {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { throw BoundedFileError(path: path, problem: .system(errno)) }
        defer { close(descriptor) }
        return try read(descriptor: descriptor, path: path, limit: limit)
    }

    /// What an open descriptor (standard input, a pipe) holds up to its end, if that is at most `limit`
    /// bytes; `path` names it in errors.
    public static func read(descriptor: Int32, path: String, limit: Int) throws(BoundedFileError) -> Data {
        var info = stat()
        if fstat(descriptor, &info) == 0, info.st_mode & S_IFMT == S_IFDIR {
            throw BoundedFileError(path: path, problem: .system(EISDIR))
        }
        var data = Data()
        var chunk = [UInt8](repeating: 0, count: 64 << 10)
        while true {
            let count = chunk.withUnsafeMutableBytes { Foundation.read(descriptor, $0.baseAddress, $0.count) }
            if count == 0 { return data }
            if count < 0 {
                if errno == EINTR { continue }
                throw BoundedFileError(path: path, problem: .system(errno))
            }
            if data.count + count > limit { throw BoundedFileError(path: path, problem: .tooLarge(limit: limit)) }
            data.append(contentsOf: chunk[..<count])
        }
    }

    /// `bytes` in the largest binary unit that divides it (`8 MiB`, `64 KiB`), for messages.
    public static func size(_ bytes: Int) -> String {
        for (shift, unit) in [(30, "GiB"), (20, "MiB"), (10, "KiB")] where bytes >= 1 << shift {
            if bytes % (1 << shift) == 0 { return "\(bytes >> shift) \(unit)" }
        }
        return "\(bytes) bytes"
    }
}

/// Why ``BoundedFile`` could not read a file.
public struct BoundedFileError: Error, CustomStringConvertible, Equatable, Sendable {
    /// What went wrong.
    public enum Problem: Equatable, Sendable {
        /// The system refused (`errno`): no such file, permission denied, a folder.
        case system(Int32)
        /// The file is larger than the cap for its kind.
        case tooLarge(limit: Int)
    }

    public var path: String
    public var problem: Problem

    /// Creates an error.
    public init(path: String, problem: Problem) {
        self.path = path
        self.problem = problem
    }

    /// Whether the file does not exist.
    public var isMissing: Bool { problem == .system(ENOENT) }

    /// The reason alone: `no such file`, `larger than 8 MiB (the limit for this kind of file)`.
    public var reason: String {
        switch problem {
        case .system(ENOENT): "no such file"
        case .system(let code): String(cString: strerror(code)).lowercased()
        case .tooLarge(let limit): "larger than \(BoundedFile.size(limit)), the most Ferry reads of such a file"
        }
    }

    public var description: String { "\(path): \(reason)" }
}
