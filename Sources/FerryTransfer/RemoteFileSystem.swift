import FerryBase
import FerryTransport

/// The SFTP calls that transfers and their planning make: ``SFTPClient`` in use, an in-memory fake in
/// unit tests.
package protocol RemoteFileSystem: AnyObject {
    /// The absolute path `path` stands for, checked to be a plain absolute path.
    func realPath(_ path: String) throws -> String
    /// The quickest answer to a request since the channel opened, and how many answers were timed.
    var quickestAnswer: (seconds: Double, answers: Int)? { get }
    func attributes(_ path: String, followLinks: Bool) throws -> RemoteAttributes
    func setAttributes(_ path: String, _ attributes: RemoteAttributes) throws
    func list(_ path: String) throws -> RemoteListing
    func makeDirectory(_ path: String, mode: Int) throws
    func removeFile(_ path: String) throws
    func removeDirectory(_ path: String) throws
    /// What the symbolic link at `path` holds; nil when the server's answer is not a usable name.
    func readLink(_ path: String) throws -> String?
    func makeSymbolicLink(_ path: String, to target: String) throws
    /// Renames `source` to `destination`; fails if `destination` exists (SFTP version 3).
    func rename(_ source: String, to destination: String) throws
    /// The bytes free on the file system that holds `path`, when the server says.
    func freeSpace(_ path: String) -> UInt64?
    func openFile(_ path: String, _ mode: SFTPClient.OpenMode) throws -> any RemoteFile
    /// The SHA-256 of each file, computed on the server, `bytes` being their size together (see
    /// ``SFTPClient/sha256(ofFiles:bytes:cancellation:)``).
    func sha256(ofFiles paths: [String], bytes: UInt64, cancellation: Cancellation?) throws -> RemoteSHA256Answer
    /// Sends a keepalive when one is due, without waiting (while a transfer is held back by a cap).
    func keepAliveIfDue()
}

extension RemoteFileSystem {
    /// The attributes of `path`, following a symbolic link.
    package func attributes(_ path: String) throws -> RemoteAttributes { try attributes(path, followLinks: true) }

    /// Makes a folder with the usual mode.
    package func makeDirectory(_ path: String) throws { try makeDirectory(path, mode: 0o755) }
}

/// An open remote file, as transfers use it.
package protocol RemoteFile: AnyObject {
    func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int
    func write(_ bytes: UnsafeRawBufferPointer) throws
    /// Hands over the unacknowledged bytes and any new ones after them; returns how many are acknowledged.
    func writeSome(_ bytes: UnsafeRawBufferPointer) throws -> Int
    func seek(to offset: UInt64)
    func attributes() throws -> RemoteAttributes
    func close() throws
}

extension SFTPClient: RemoteFileSystem {
    package func openFile(_ path: String, _ mode: OpenMode) throws -> any RemoteFile { try open(path, mode) }

    package func keepAliveIfDue() {
        // A dead connection shows itself at the transfer's next call, with the transfer's own words.
        try? session.sendKeepaliveIfDue()
    }
}

extension SFTPFile: RemoteFile {}
