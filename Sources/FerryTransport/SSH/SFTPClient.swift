internal import CLibSSH2
import FerryBase
import Foundation

/// An SFTP subsystem channel on an authenticated session.
///
/// Keeps its session alive; used by one thread at a time, like the session.
public final class SFTPClient {
    /// The session the channel runs on.
    public let session: SSHSession
    let handle: OpaquePointer

    /// Starts the SFTP subsystem.
    public init(session: SSHSession) throws {
        guard let handle = libssh2_sftp_init(session.handle) else {
            throw session.lastError("libssh2_sftp_init")
        }
        self.session = session
        self.handle = handle
    }

    deinit { libssh2_sftp_shutdown(handle) }

    /// The quickest answer to a single request so far (seconds) and how many answers it was taken
    /// from: the round trip, measured by requests made anyway.
    public private(set) var quickestAnswer: (seconds: Double, answers: Int)?

    /// Runs one request-and-answer step, timing it; an error the server answered with counts too.
    private func timed<T>(_ body: () throws -> T) throws -> T {
        let asked = ContinuousClock.now
        func record() {
            let seconds = asked.duration(to: .now).inSeconds
            quickestAnswer = (
                min(seconds, quickestAnswer?.seconds ?? .infinity), (quickestAnswer?.answers ?? 0) + 1
            )
        }
        do {
            let result = try body()
            record()
            return result
        } catch let error as LibSSH2Error where error.sftpStatus != nil {
            record()
            throw error
        }
    }

    /// Whether an answer libssh2 could not take (over its 256 KiB packet limit, or malformed) has left
    /// the channel out of step: later requests would read the rest of it as their answers, so the
    /// connection starts a new channel instead (see ``SSHConnection/sftp``).
    public private(set) var isBroken = false

    /// The last error, with the SFTP status when the server sent one.
    func lastError(_ call: String, code: Int32? = nil) -> LibSSH2Error {
        var error = session.lastError(call, code: code)
        if error.code == LIBSSH2_ERROR_SFTP_PROTOCOL {
            error.sftpStatus = SFTPStatus(rawValue: libssh2_sftp_last_error(handle))
        }
        if [LIBSSH2_ERROR_CHANNEL_PACKET_EXCEEDED, LIBSSH2_ERROR_PROTO, LIBSSH2_ERROR_OUT_OF_BOUNDARY].contains(
            error.code)
        {
            isBroken = true
            // libssh2's own words here name a later step ("Timeout waiting for status message").
            error.message =
                "the server sent an SFTP answer Ferry cannot read (larger than 256 KiB, or malformed);"
                + " the SFTP channel is started again for the next command"
        }
        return error
    }

    @discardableResult
    func check(_ result: Int32, _ call: String) throws -> Int32 {
        if result < 0 { throw lastError(call, code: result) }
        return result
    }

    /// The server's canonical absolute form of `path`; an answer that is not absolute and canonical
    /// (`/a/../..`, `etc`, a NUL byte) throws ``SuspiciousPathError`` rather than becoming a path here.
    public func realPath(_ path: String) throws -> String {
        var buffer = [CChar](repeating: 0, count: 16 * 1024)
        let length = try timed {
            try check(ferry_sftp_realpath(handle, path, &buffer, UInt32(buffer.count - 1)), "libssh2_sftp_symlink_ex")
        }
        let bytes = buffer.prefix(Int(length)).map { UInt8(bitPattern: $0) }
        guard let answer = RemoteName.decode(bytes) else {
            throw SuspiciousPathError(path: String(decoding: bytes, as: UTF8.self), problem: .notUTF8)
        }
        if let problem = RemoteName.problem(withPath: answer) {
            throw SuspiciousPathError(path: answer, problem: problem)
        }
        return answer
    }

    /// The attributes of `path`, following symbolic links unless `followLinks` is false.
    public func attributes(_ path: String, followLinks: Bool = true) throws -> RemoteAttributes {
        var raw = LIBSSH2_SFTP_ATTRIBUTES()
        _ = try timed { try check(ferry_sftp_stat(handle, path, followLinks ? 0 : 1, &raw), "libssh2_sftp_stat_ex") }
        return RemoteAttributes(raw)
    }

    /// Sets the attributes of `path` that `attributes` holds.
    public func setAttributes(_ path: String, _ attributes: RemoteAttributes) throws {
        var raw = attributes.raw
        try check(ferry_sftp_stat(handle, path, 2, &raw), "libssh2_sftp_stat_ex")
    }

    /// The entries of directory `path`, without the folder's own `.` and `..`. Every other name is
    /// checked with ``RemoteName``: one that is not a single path component (a `..` that claims to be
    /// a file included) is left out and listed in `refused`.
    public func list(_ path: String) throws -> RemoteListing {
        guard let dir = ferry_sftp_open(handle, path, 0, 0, 1) else {
            throw lastError("libssh2_sftp_opendir")
        }
        defer { libssh2_sftp_close_handle(dir) }
        // Large buffers: libssh2 silently skips an entry whose name does not fit.
        var name = [CChar](repeating: 0, count: 64 * 1024)
        var long = [CChar](repeating: 0, count: 64 * 1024)
        var listing = RemoteListing()
        var seen = Set<String>()
        while true {
            var raw = LIBSSH2_SFTP_ATTRIBUTES()
            let length = ferry_sftp_readdir(dir, &name, name.count - 1, &long, long.count - 1, &raw)
            if length == 0 { break }
            if length < 0 { throw lastError("libssh2_sftp_readdir_ex", code: length) }
            let bytes = name.prefix(Int(length)).map { UInt8(bitPattern: $0) }
            guard let entryName = RemoteName.decode(bytes) else {
                listing.refused.append(RefusedName(name: String(decoding: bytes, as: UTF8.self), problem: .notUTF8))
                continue
            }
            // Every directory lists itself and its parent, as directories: those are not refusals.
            let attributes = RemoteAttributes(raw)
            if entryName == "." || entryName == "..", attributes.isDirectory || attributes.permissions == nil {
                continue
            }
            if let problem = RemoteName.problem(withName: entryName) {
                listing.refused.append(RefusedName(name: entryName, problem: problem))
                continue
            }
            guard seen.insert(entryName).inserted else {
                listing.refused.append(RefusedName(name: entryName, problem: .repeated))
                continue
            }
            let longEnd = long.firstIndex(of: 0) ?? long.count
            let longName = String(decoding: long[..<longEnd].map { UInt8(bitPattern: $0) }, as: UTF8.self)
            listing.entries.append(RemoteEntry(name: entryName, longName: longName, attributes: attributes))
        }
        return listing
    }

    /// Creates directory `path` with `mode`.
    public func makeDirectory(_ path: String, mode: Int = 0o755) throws {
        try check(ferry_sftp_mkdir(handle, path, mode), "libssh2_sftp_mkdir_ex")
    }

    /// What the symbolic link at `path` holds, as the server says; nil when the answer is not UTF-8 or
    /// holds a NUL or another control character (it is never used as a path here either way).
    public func readLink(_ path: String) throws -> String? {
        var buffer = [CChar](repeating: 0, count: 16 * 1024)
        let length = try timed {
            try check(ferry_sftp_readlink(handle, path, &buffer, UInt32(buffer.count - 1)), "libssh2_sftp_symlink_ex")
        }
        let bytes = buffer.prefix(Int(length)).map { UInt8(bitPattern: $0) }
        guard let text = RemoteName.decode(bytes), !text.isEmpty,
            !text.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F })
        else { return nil }
        return text
    }

    /// Makes a symbolic link at `path` that holds `target`.
    ///
    /// Debian 12's libssh2 1.10 package reads the request id where the status of the server's answer
    /// to SSH_FXP_SYMLINK is (seen against OpenSSH: the link is made, and the call fails with a status
    /// that changes from call to call). Such an error is checked against the link itself: when `path`
    /// now holds `target`, the link was made.
    public func makeSymbolicLink(_ path: String, to target: String) throws {
        do {
            _ = try timed { try check(ferry_sftp_symlink(handle, target, path), "libssh2_sftp_symlink_ex") }
        } catch let error as LibSSH2Error where error.code == LIBSSH2_ERROR_SFTP_PROTOCOL {
            if (try? readLink(path)) == target { return }
            throw error
        }
    }

    /// Removes the empty directory `path`.
    public func removeDirectory(_ path: String) throws {
        try check(ferry_sftp_rmdir(handle, path), "libssh2_sftp_rmdir_ex")
    }

    /// Removes the file `path`.
    public func removeFile(_ path: String) throws {
        try check(ferry_sftp_unlink(handle, path), "libssh2_sftp_unlink_ex")
    }

    /// The bytes free to an unprivileged user on the file system that holds `path`, when the server
    /// says (OpenSSH's `statvfs@openssh.com`); nil when it cannot.
    public func freeSpace(_ path: String) -> UInt64? {
        var info = LIBSSH2_SFTP_STATVFS()
        guard libssh2_sftp_statvfs(handle, path, path.utf8.count, &info) == 0 else { return nil }
        return info.f_bavail &* info.f_frsize
    }

    /// Renames `source` to `destination`; fails if `destination` exists (SFTP version 3).
    public func rename(_ source: String, to destination: String) throws {
        try check(ferry_sftp_rename(handle, source, destination), "libssh2_sftp_rename_ex")
    }

    /// How a remote file is opened.
    public enum OpenMode: Sendable {
        case read
        /// Create or truncate.
        case write(mode: Int)
        /// Create if missing and write at the end.
        case append(mode: Int)
        /// Create if missing, keep contents, write where told (resume).
        case update(mode: Int)
    }

    /// Opens a remote file.
    public func open(_ path: String, _ mode: OpenMode) throws -> SFTPFile {
        let flags: UInt
        let permissions: Int
        switch mode {
        case .read: (flags, permissions) = (FERRY_FXF_READ, 0)
        case .write(let m): (flags, permissions) = (FERRY_FXF_WRITE | FERRY_FXF_CREAT | FERRY_FXF_TRUNC, m)
        case .append(let m): (flags, permissions) = (FERRY_FXF_WRITE | FERRY_FXF_CREAT | FERRY_FXF_APPEND, m)
        case .update(let m): (flags, permissions) = (FERRY_FXF_WRITE | FERRY_FXF_CREAT, m)
        }
        guard let file = ferry_sftp_open(handle, path, flags, permissions, 0) else {
            throw lastError("libssh2_sftp_open_ex")
        }
        return SFTPFile(client: self, handle: file)
    }
}

/// An open remote file; closed when released if not closed before.
public final class SFTPFile {
    private let client: SFTPClient
    private var handle: OpaquePointer?

    init(client: SFTPClient, handle: OpaquePointer) {
        self.client = client
        self.handle = handle
    }

    deinit { if let handle { libssh2_sftp_close_handle(handle) } }

    /// Reads up to `buffer.count` bytes; 0 at end of file. libssh2 keeps requests for the next reads in flight.
    public func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        guard let handle else { return 0 }
        let count = libssh2_sftp_read(handle, buffer.baseAddress?.assumingMemoryBound(to: CChar.self), buffer.count)
        if count < 0 { throw client.lastError("libssh2_sftp_read", code: Int32(count)) }
        return count
    }

    /// Writes all of `bytes`, re-sending exactly the unacknowledged part after a short write.
    public func write(_ bytes: UnsafeRawBufferPointer) throws {
        guard let handle, var base = bytes.baseAddress?.assumingMemoryBound(to: CChar.self) else { return }
        var remaining = bytes.count
        while remaining > 0 {
            let count = libssh2_sftp_write(handle, base, remaining)
            if count < 0 { throw client.lastError("libssh2_sftp_write", code: Int32(count)) }
            base += count
            remaining -= count
        }
    }

    /// Hands libssh2 `bytes` (the part not yet acknowledged, then any new data after it) and returns
    /// how many of them the server has acknowledged, at least one packet's worth.
    ///
    /// libssh2 packs new data as soon as it is handed over and keeps it in flight while it waits, so
    /// a caller that calls again with the unacknowledged rest plus more data keeps the pipe full,
    /// where one that waits for a whole buffer to be acknowledged empties it once per buffer.
    public func writeSome(_ bytes: UnsafeRawBufferPointer) throws -> Int {
        guard let handle, let base = bytes.baseAddress?.assumingMemoryBound(to: CChar.self) else { return 0 }
        let count = libssh2_sftp_write(handle, base, bytes.count)
        if count < 0 { throw client.lastError("libssh2_sftp_write", code: Int32(count)) }
        return count
    }

    /// Moves the read or write position to `offset` (drops libssh2's read-ahead).
    public func seek(to offset: UInt64) {
        if let handle { libssh2_sftp_seek64(handle, offset) }
    }

    /// The open file's attributes.
    public func attributes() throws -> RemoteAttributes {
        var raw = LIBSSH2_SFTP_ATTRIBUTES()
        if let handle { try client.check(ferry_sftp_fstat(handle, &raw, 0), "libssh2_sftp_fstat_ex") }
        return RemoteAttributes(raw)
    }

    /// Sets attributes on the open file.
    public func setAttributes(_ attributes: RemoteAttributes) throws {
        var raw = attributes.raw
        if let handle { try client.check(ferry_sftp_fstat(handle, &raw, 1), "libssh2_sftp_fstat_ex") }
    }

    /// Closes the file, reporting a failure the server only notices at close (a full disk, say).
    public func close() throws {
        guard let handle else { return }
        self.handle = nil
        try client.check(libssh2_sftp_close_handle(handle), "libssh2_sftp_close_handle")
    }
}
