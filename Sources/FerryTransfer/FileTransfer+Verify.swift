import FerryBase
import FerryTransport
import Foundation

extension FileTransfer {
    /// Compares the SHA-256 of the local file at `localPath` with the server's for `remotePath`, the
    /// two ends of `job` as they stand before the file takes its final name (the download's temporary
    /// file, the upload's hidden part). On a difference, or when the server cannot hash the file, the
    /// copy just written (`localPath` for a download, `remotePath` for an upload) is removed and the
    /// transfer fails.
    package static func verify(
        _ job: TransferJob, localPath: String, remotePath: String, sftp: any RemoteFileSystem,
        cancellation: Cancellation?, removesCopy: Bool = true
    ) throws(CommandFailure) {
        // A copy written in place is the user's file itself: it stays, and the failure says so.
        let removeCopy = {
            guard removesCopy else { return }
            if job.isDownload { unlink(localPath) } else { try? sftp.removeFile(remotePath) }
        }
        let name = job.isDownload ? job.remoteDisplay : job.localDisplay
        let local: String
        do {
            local = try SHA256File.digest(ofFileAt: localPath, cancellation: cancellation)
        } catch {
            removeCopy()
            try cancellation?.throwIfStopped(name)
            throw CommandFailure(.transfer, "\(name): cannot verify: \(error.description)")
        }
        let answer = try remoteCall(remotePath, "SHA-256") {
            try sftp.sha256(
                ofFiles: [remotePath], bytes: LocalStatus(localPath)?.size ?? 0, cancellation: cancellation)
        }
        try cancellation?.throwIfStopped(name)
        switch answer {
        case .unavailable(let reason):
            removeCopy()
            throw CommandFailure(.transfer, "\(name): cannot verify: the server cannot hash files: \(reason)")
        case .digests(_, let digests):
            guard let remote = digests.first ?? nil else {
                removeCopy()
                throw CommandFailure(
                    .transfer, "\(name): cannot verify: the server could not read \(remotePath) to hash it")
            }
            if remote != local {
                removeCopy()
                throw CommandFailure(
                    .transfer,
                    "\(name): SHA-256 differs after the transfer (here \(local.prefix(16))…, on the server"
                        + " \(remote.prefix(16))…); the copy was removed")
            }
        }
    }
}
