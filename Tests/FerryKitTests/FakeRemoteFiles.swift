import Foundation
import Synchronization

@testable import FerryBase
@testable import FerryCore
@testable import FerryScript
@testable import FerryTransfer
@testable import FerryTransport

/// An in-memory remote file tree that any number of fake connections share, as the files of one
/// host are shared by its SFTP channels.
final class FakeRemoteTree: Sendable {
    enum Node: Sendable {
        case file(Data, mode: UInt32)
        case folder
    }

    private let nodes = Mutex<[String: Node]>(["/": .folder])
    /// How many files each connection (by name) has served.
    private let served = Mutex<[String: Int]>([:])
    /// Modification times, by path, for the files that have one.
    private let times = Mutex<[String: UInt32]>([:])

    func addFile(_ path: String, _ data: Data, mode: UInt32 = 0o644, modified: UInt32? = nil) {
        addFolder(PathRules.parent(path))
        nodes.withLock { $0[path] = .file(data, mode: mode) }
        setTime(path, modified)
    }

    func setTime(_ path: String, _ time: UInt32?) { times.withLock { $0[path] = time } }
    func time(_ path: String) -> UInt32? { times.withLock { $0[path] } }

    /// The files under `root`, by path inside it, with their contents.
    func files(under root: String) -> [String: Data] {
        nodes.withLock { nodes in
            var found: [String: Data] = [:]
            for (path, node) in nodes where path.hasPrefix(root + "/") {
                if case .file(let data, _) = node { found[String(path.dropFirst(root.count + 1))] = data }
            }
            return found
        }
    }

    func addFolder(_ path: String) {
        var current = ""
        for part in path.split(separator: "/") {
            current += "/" + part
            nodes.withLock { if $0[current] == nil { $0[current] = .folder } }
        }
    }

    func node(_ path: String) -> Node? { nodes.withLock { $0[path] } }

    /// Writes `bytes` at `offset` of the file at `path`, growing it as a real file grows.
    func write(_ bytes: Data, at offset: Int, to path: String) {
        nodes.withLock { nodes in
            guard case .file(var data, let mode)? = nodes[path] else { return }
            if data.count < offset + bytes.count { data.append(Data(count: offset + bytes.count - data.count)) }
            data.replaceSubrange(offset..<offset + bytes.count, with: bytes)
            nodes[path] = .file(data, mode: mode)
        }
    }
    func put(_ path: String, _ node: Node?) {
        nodes.withLock { $0[path] = node }
        if node == nil { setTime(path, nil) }
    }
    func children(_ path: String) -> [(String, Node)] {
        nodes.withLock { nodes in
            nodes.filter { $0.key != "/" && PathRules.parent($0.key) == path }.map {
                (PathRules.lastComponent($0.key), $0.value)
            }
        }
    }

    func noteServed(by connection: String) { served.withLock { $0[connection, default: 0] += 1 } }
    var servedCounts: [String: Int] { served.withLock { $0 } }

    /// A connection to the tree, named for counting; it can be slow, or lose itself at its first read.
    func connection(_ name: String, readDelay: TimeInterval = 0, diesOnFirstRead: Bool = false) -> FakeRemoteFiles {
        FakeRemoteFiles(tree: self, name: name, readDelay: readDelay, diesOnFirstRead: diesOnFirstRead)
    }

    /// Moves the node at `source` (and its time) to `destination`.
    func move(_ source: String, to destination: String) {
        let time = time(source)
        nodes.withLock { $0[destination] = $0[source] }
        put(source, nil)
        setTime(destination, time)
    }
}

/// One fake SFTP channel over a ``FakeRemoteTree``.
final class FakeRemoteFiles: RemoteFileSystem {
    let tree: FakeRemoteTree
    let name: String
    let readDelay: TimeInterval
    var diesOnFirstRead: Bool
    /// Reading this file loses the connection once, after `cutAfter` bytes.
    var cutPath: String?
    var cutAfter = 0

    init(tree: FakeRemoteTree, name: String, readDelay: TimeInterval, diesOnFirstRead: Bool) {
        self.tree = tree
        self.name = name
        self.readDelay = readDelay
        self.diesOnFirstRead = diesOnFirstRead
    }

    func attributes(of path: String, _ node: FakeRemoteTree.Node) -> RemoteAttributes {
        var attributes = Self.attributes(node)
        attributes.modificationTime = tree.time(path)
        attributes.accessTime = tree.time(path)
        return attributes
    }

    static func attributes(_ node: FakeRemoteTree.Node) -> RemoteAttributes {
        switch node {
        case .file(let data, let mode): RemoteAttributes(size: UInt64(data.count), permissions: 0o100000 | mode)
        case .folder: RemoteAttributes(size: 4096, permissions: 0o040755)
        }
    }

    static func missing(_ path: String) -> LibSSH2Error {
        LibSSH2Error(call: "sftp", code: -31, message: "no such file", sftpStatus: .noSuchFile)
    }

    func attributes(_ path: String, followLinks: Bool) throws -> RemoteAttributes {
        guard let node = tree.node(path) else { throw Self.missing(path) }
        return attributes(of: path, node)
    }

    func setAttributes(_ path: String, _ attributes: RemoteAttributes) throws {
        guard case .file(let data, _)? = tree.node(path) else { throw Self.missing(path) }
        if let permissions = attributes.permissions { tree.put(path, .file(data, mode: permissions & 0o7777)) }
        if let time = attributes.modificationTime { tree.setTime(path, time) }
    }

    func list(_ path: String) throws -> RemoteListing {
        guard case .folder? = tree.node(path) else { throw Self.missing(path) }
        var listing = RemoteListing()
        for (name, node) in tree.children(path) {
            let attributes = attributes(of: path == "/" ? "/" + name : path + "/" + name, node)
            listing.entries.append(RemoteEntry(name: name, longName: name, attributes: attributes))
        }
        return listing
    }

    static func failure(_ message: String) -> LibSSH2Error {
        LibSSH2Error(call: "sftp", code: -31, message: message, sftpStatus: .failure)
    }

    func makeDirectory(_ path: String, mode: Int) throws {
        if tree.node(path) != nil { throw Self.failure("failure") }
        guard case .folder? = tree.node(PathRules.parent(path)) else { throw Self.missing(path) }
        tree.addFolder(path)
    }

    func removeFile(_ path: String) throws {
        guard case .file? = tree.node(path) else { throw Self.missing(path) }
        tree.put(path, nil)
    }

    /// The folder `.` stands for.
    var home = "/"

    func realPath(_ path: String) throws -> String {
        let absolute = path == "." ? home : path
        guard tree.node(absolute) != nil else { throw Self.missing(path) }
        return absolute
    }

    /// A near link: the fake answers at once.
    var quickestAnswer: (seconds: Double, answers: Int)? { (0.0001, 2) }

    func freeSpace(_ path: String) -> UInt64? { nil }

    func rename(_ source: String, to destination: String) throws {
        guard tree.node(source) != nil else { throw Self.missing(source) }
        if tree.node(destination) != nil {
            throw LibSSH2Error(call: "sftp", code: -31, message: "failure", sftpStatus: .failure)
        }
        tree.move(source, to: destination)
    }

    func removeDirectory(_ path: String) throws {
        guard case .folder? = tree.node(path) else { throw Self.missing(path) }
        if !tree.children(path).isEmpty { throw Self.failure("failure") }
        tree.put(path, nil)
    }
    func readLink(_ path: String) throws -> String? { nil }
    func makeSymbolicLink(_ path: String, to target: String) throws { throw Self.missing(path) }

    func sha256(ofFiles paths: [String], bytes: UInt64, cancellation: Cancellation?) throws -> RemoteSHA256Answer {
        .unavailable("the in-memory fake computes no digests")
    }

    func keepAliveIfDue() {}

    func openFile(_ path: String, _ mode: SFTPClient.OpenMode) throws -> any RemoteFile {
        switch mode {
        case .read:
            guard case .file(let data, _)? = tree.node(path) else { throw Self.missing(path) }
            return FakeRemoteFile(files: self, path: path, data: data, writing: false)
        case .write(let mode):
            tree.put(path, .file(Data(), mode: UInt32(mode)))
            return FakeRemoteFile(files: self, path: path, data: Data(), writing: true)
        case .append(let mode), .update(let mode):
            if tree.node(path) == nil { tree.put(path, .file(Data(), mode: UInt32(mode))) }
            return FakeRemoteFile(files: self, path: path, data: Data(), writing: true)
        }
    }
}

/// An open fake file: reads come from a copy taken at open, writes land in the tree at close.
final class FakeRemoteFile: RemoteFile {
    let files: FakeRemoteFiles
    let path: String
    var data: Data
    var offset = 0
    let writing: Bool

    init(files: FakeRemoteFiles, path: String, data: Data, writing: Bool) {
        self.files = files
        self.path = path
        self.data = data
        self.writing = writing
    }

    func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        if files.diesOnFirstRead {
            files.diesOnFirstRead = false
            throw ConnectionError.failed(host: "fake", port: 22, reason: "connection lost")
        }
        if files.readDelay > 0 { Thread.sleep(forTimeInterval: files.readDelay) }
        var count = max(0, min(buffer.count, data.count - offset))
        if files.cutPath == path {
            if offset >= files.cutAfter {
                files.cutPath = nil
                throw ConnectionError.failed(host: "fake", port: 22, reason: "connection lost")
            }
            count = min(count, files.cutAfter - offset)
        }
        if count > 0 {
            data.withUnsafeBytes { bytes in
                buffer.copyMemory(from: UnsafeRawBufferPointer(rebasing: bytes[offset..<offset + count]))
            }
        } else {
            files.tree.noteServed(by: files.name)
        }
        offset += count
        return count
    }

    func write(_ bytes: UnsafeRawBufferPointer) throws {
        files.tree.write(Data(bytes), at: offset, to: path)
        offset += bytes.count
    }

    /// Acknowledges at most 30,000 bytes a call, as an SFTP server acknowledges one packet at a time.
    func writeSome(_ bytes: UnsafeRawBufferPointer) throws -> Int {
        let count = min(bytes.count, 30_000)
        try write(UnsafeRawBufferPointer(rebasing: bytes[0..<count]))
        return count
    }

    func seek(to offset: UInt64) { self.offset = Int(offset) }

    func attributes() throws -> RemoteAttributes { FakeRemoteFiles.attributes(.file(data, mode: 0o644)) }

    func close() throws {}
}

/// Opens fake extra connections over one tree, or fails to; `dying` ones lose themselves at their
/// first read.
final class FakeConnector: TransferConnector {
    let tree: FakeRemoteTree
    let failing: Bool
    let dying: Bool
    let counter = Atomic<Int>(0)

    init(tree: FakeRemoteTree, failing: Bool = false, dying: Bool = false) {
        self.tree = tree
        self.failing = failing
        self.dying = dying
    }

    func open(slot: SessionGate.Slot) throws -> TransferConnection {
        if failing { throw ConnectionError.refused(host: "fake", port: 22) }
        let number = counter.add(1, ordering: .relaxed).newValue
        return TransferConnection(files: tree.connection("extra-\(number)", diesOnFirstRead: dying), close: {})
    }
}
