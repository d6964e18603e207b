import FerryBase
import FerryScript
import FerryTransfer
import FerryTransport
import Foundation

extension Interpreter {
    /// Makes sure this connection's server can hash files before anything is moved with `--verify`
    /// or `-V`: when it cannot, the command fails at once, saying why, with nothing transferred.
    func requireDigests(_ command: String, sftp: any RemoteFileSystem) throws(CommandFailure) {
        if facts.digestTool != nil { return }
        let answer = try remote(command, "SHA-256") {
            try sftp.sha256(ofFiles: [], bytes: 0, cancellation: settings.cancellation)
        }
        try settings.cancellation.throwIfStopped(command)
        switch answer {
        case .unavailable(let reason):
            throw CommandFailure(
                .transfer,
                "\(command): cannot verify on \(connection?.target.host ?? "this server"): \(reason); nothing was"
                    + " transferred (leave out --verify or -V to transfer without the check)")
        case .digests(let tool, _):
            facts.digestTool = tool
            settings.connect.log("verify: the server hashes files with \(tool)")
        }
    }

    /// `verify remote [local]` (WinSCP's `checksum`): the two files' SHA-256, compared without moving
    /// either. Different sizes are a difference without hashing.
    func verifyFiles(remote given: String, local: String?) throws(CommandFailure) {
        let sftp = try sftp("verify")
        let remotePath = paths.remotePath(given)
        let localPath = self.localPath(local ?? PathRules.lastComponent(remotePath))
        let shown = "remote:\(remotePath) and local:\(paths.namingHost(local ?? PathRules.lastComponent(remotePath)))"
        let attributes = try remote("verify", remotePath) { try sftp.attributes(remotePath) }
        guard attributes.isRegularFile else { throw CommandFailure(.transfer, "verify: \(remotePath): not a file") }
        guard let status = LocalStatus(localPath) else {
            throw CommandFailure(.transfer, "verify: \(localPath): no such local file")
        }
        guard status.isRegularFile else { throw CommandFailure(.transfer, "verify: \(localPath): not a file") }
        if let size = attributes.size, size != status.size {
            throw CommandFailure(
                .transfer, "verify: \(shown) differ: \(size) bytes on the server, \(status.size) here")
        }
        try requireDigests("verify", sftp: sftp)
        let here: String
        do {
            here = try SHA256File.digest(ofFileAt: localPath, cancellation: settings.cancellation)
        } catch {
            try settings.cancellation.throwIfStopped("verify")
            throw CommandFailure(.transfer, "verify: \(error.description)")
        }
        let answer = try remote("verify", remotePath) {
            try sftp.sha256(ofFiles: [remotePath], bytes: status.size, cancellation: settings.cancellation)
        }
        try settings.cancellation.throwIfStopped("verify")
        guard case .digests(_, let digests) = answer, let there = digests.first ?? nil else {
            throw CommandFailure(.transfer, "verify: \(remotePath): the server could not read it to hash it")
        }
        guard here == there else {
            throw CommandFailure(
                .transfer,
                "verify: \(shown) differ: SHA-256 \(here.prefix(16))… here, \(there.prefix(16))… on the server")
        }
        console.print("verify: \(shown) match: SHA-256 \(here)")
    }
}
