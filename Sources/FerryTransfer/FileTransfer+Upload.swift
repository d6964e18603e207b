import FerryBase
import FerryScript
import FerryTransport
import Foundation

extension FileTransfer {
    /// Uploads `job`; `progress` receives the bytes moved so far.
    ///
    /// Unless `job.inPlace`, the data goes to a hidden name beside the target (``partPath(for:)``),
    /// which replaces the target only when complete, with its mode and times already set: a failed or
    /// killed upload leaves the old file whole. `reput` continues that hidden file when it is there,
    /// else the target itself (as psftp does), in both cases only after checking that the part already
    /// there ends as the local file does at that point. A cancellation removes what this run wrote,
    /// unless it continued an earlier part; another failure removes the hidden file too, while a lost
    /// connection leaves it for `reput`.
    package static func upload(
        _ job: TransferJob, sftp: any RemoteFileSystem, buffer: Buffer, cancellation: Cancellation,
        lane: BandwidthLane? = nil, progress: (UInt64) -> Void
    ) throws(CommandFailure) -> TransferOutcome {
        let local = try localCall { () throws(LocalFileError) in
            try LocalFile(path: job.localPath, flags: O_RDONLY, operation: "open for read")
        }
        let info = try localCall { () throws(LocalFileError) in try local.status() }
        if info.st_mode & S_IFMT == S_IFDIR {
            throw CommandFailure(.transfer, "\(job.localDisplay): is a directory (use put -r)")
        }
        let permissions = UInt32(info.st_mode & 0o7777)
        var outcome = TransferOutcome()
        var path = job.inPlace ? job.remotePath : partPath(for: job.remotePath)
        if job.resume, let (found, size) = resumable(job, sftp: sftp) {
            if size > UInt64(info.st_size) {
                throw CommandFailure(
                    .transfer, "\(job.remotePath): remote file is larger than the local file; not resuming")
            }
            if try tailsMatch(remote: found, sftp: sftp, local: local, at: size) {
                path = found
                outcome.resumedAt = size
            } else {
                outcome.warning = "the part already there differs from the local file; started over"
            }
        }
        let mode = Int(permissions & 0o777)
        let remote = try remoteCall(path, "open for write") {
            try sftp.openFile(path, outcome.resumedAt == nil ? .write(mode: mode) : .update(mode: mode))
        }
        do {
            if let start = outcome.resumedAt {
                remote.seek(to: start)
                try localCall { () throws(LocalFileError) in try local.seek(to: start) }
            }
            outcome.bytes = try stream(
                from: local, to: remote, job: job, limit: nil, buffer: buffer, cancellation: cancellation,
                lane: lane, progress: progress)
            try remoteCall(path, "close") { try remote.close() }
            try finishUpload(job, at: path, sftp: sftp, status: info, cancellation: cancellation)
        } catch {
            try? remote.close()
            let error = explainFullDisk(error, writing: path, target: job.remotePath, sftp: sftp)
            switch error.failureClass {
            case .interrupted where outcome.resumedAt == nil: try? sftp.removeFile(path)
            case .connection, .interrupted: break
            default: if path != job.remotePath { try? sftp.removeFile(path) }
            }
            throw error
        }
        return outcome
    }

    /// `error` as "no space left on the remote disk" when a write to `path` failed for no reason the
    /// server gave (SFTP version 3 has no code for a full disk) and the server says its disk is full.
    package static func explainFullDisk(
        _ error: CommandFailure, writing path: String, target: String, sftp: any RemoteFileSystem
    ) -> CommandFailure {
        guard error.failureClass == .transfer, error.sftpStatus == .failure,
            let free = sftp.freeSpace(PathRules.parent(path)), free < tailCheckSize
        else { return error }
        return CommandFailure(.transfer, "\(target): no space left on the remote disk").having(error.outcome)
    }

    /// The hidden name an upload to `path` is written under until it is complete: always the same for
    /// one target, so that `reput` and a reconnect find it.
    package static func partPath(for path: String) -> String {
        let folder = PathRules.parent(path)
        var name = PathRules.lastComponent(path)
        // A name too long to take the suffix keeps its start and a checksum of the whole.
        if name.utf8.count > 200 {
            var hash: UInt64 = 0xcbf2_9ce4_8422_2325
            for byte in name.utf8 { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3 }
            name = String(decoding: name.utf8.prefix(180), as: UTF8.self) + "-" + String(hash, radix: 36)
        }
        return PathRules.join(folder.isEmpty ? "." : folder, ".\(name).ferry-part")
    }

    /// What a `reput` continues, and its size: the hidden part of an earlier upload, else the target
    /// itself; nil when neither is a regular file.
    private static func resumable(_ job: TransferJob, sftp: any RemoteFileSystem) -> (String, UInt64)? {
        let candidates = job.inPlace ? [job.remotePath] : [partPath(for: job.remotePath), job.remotePath]
        for candidate in candidates {
            if let found = try? sftp.attributes(candidate, followLinks: candidate == job.remotePath),
                found.isRegularFile, let size = found.size
            {
                return (candidate, size)
            }
        }
        return nil
    }

    /// Checks a finished upload at `path` against the local file when asked (`-V`), gives it the local
    /// file's mode and times when asked (`-p`), then puts it in place of the target.
    package static func finishUpload(
        _ job: TransferJob, at path: String, sftp: any RemoteFileSystem, status: stat, cancellation: Cancellation?
    ) throws(CommandFailure) {
        if job.verify {
            try verify(job, localPath: job.localPath, remotePath: path, sftp: sftp, cancellation: cancellation)
        }
        // -p gives the local mode; a copy replacing a file takes that file's mode.
        let mode = job.preserve ? UInt32(status.st_mode & 0o7777) : path != job.remotePath ? job.replacedMode : nil
        if job.setsTime || mode != nil {
            try remoteCall(path, "set attributes") {
                try sftp.setAttributes(
                    path,
                    RemoteAttributes(
                        permissions: mode,
                        accessTime: job.setsTime ? UInt32(truncatingIfNeeded: status.st_atim.tv_sec) : nil,
                        modificationTime: job.setsTime ? UInt32(truncatingIfNeeded: status.st_mtim.tv_sec) : nil))
            }
        }
        if path != job.remotePath { try replace(job.remotePath, with: path, sftp: sftp) }
    }

    /// Renames `part` over `target`. SFTP version 3 cannot rename over an existing file, and libssh2
    /// 1.10 cannot send OpenSSH's `posix-rename@openssh.com`, so an existing target is first renamed
    /// aside (`.name.ferry-old`), then the part takes its name, then the old file is removed; if the
    /// part cannot take the name, the old file gets it back. At every moment the old file is whole,
    /// under its name or the aside one.
    package static func replace(_ target: String, with part: String, sftp: any RemoteFileSystem) throws(CommandFailure)
    {
        do {
            try sftp.rename(part, to: target)
            return
        } catch {
            // Only an existing target is worth the detour; anything else is the real failure.
            guard (try? sftp.attributes(target, followLinks: false)) != nil else {
                throw CommandFailure(error, context: "\(target): rename into place")
            }
        }
        let aside = PathRules.join(PathRules.parent(target), ".\(PathRules.lastComponent(target)).ferry-old")
        try? sftp.removeFile(aside)
        try remoteCall(target, "move the old file aside") { try sftp.rename(target, to: aside) }
        do {
            try sftp.rename(part, to: target)
        } catch {
            try? sftp.rename(aside, to: target)
            throw CommandFailure(error, context: "\(target): rename into place")
        }
        try? sftp.removeFile(aside)
    }

    /// Whether the last bytes (up to 64 KiB) before `offset` of the remote file at `path` are the same
    /// as the local file's: the check before continuing a part, so that two different files are never
    /// spliced together.
    package static func tailsMatch(remote path: String, sftp: any RemoteFileSystem, local: LocalFile, at offset: UInt64)
        throws(CommandFailure) -> Bool
    {
        let count = Int(min(offset, tailCheckSize))
        if count == 0 { return true }
        let file = try remoteCall(path, "open for read") { try sftp.openFile(path, .read) }
        defer { try? file.close() }
        return try tailsMatch(remote: file, path: path, local: local, at: offset)
    }

    /// The same check on a remote file already open for reading (its position is left anywhere).
    package static func tailsMatch(remote file: any RemoteFile, path: String, local: LocalFile, at offset: UInt64)
        throws(CommandFailure) -> Bool
    {
        let count = Int(min(offset, tailCheckSize))
        if count == 0 { return true }
        file.seek(to: offset - UInt64(count))
        let theirs = try remoteCall(path, "read") { try readFully(file, count: count) }
        let ours = try localCall { () throws(LocalFileError) in
            try local.readFully(at: offset - UInt64(count), count: count)
        }
        return theirs == ours
    }

    /// The bytes compared before a part is continued.
    package static let tailCheckSize: UInt64 = 64 * 1024

    /// Reads `count` bytes from the remote file's position, fewer only at its end.
    package static func readFully(_ file: any RemoteFile, count: Int) throws -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: count)
        var done = 0
        try bytes.withUnsafeMutableBytes { raw in
            while done < count {
                let got = try file.read(into: UnsafeMutableRawBufferPointer(rebasing: raw[done..<count]))
                if got == 0 { break }
                done += got
            }
        }
        return Array(bytes.prefix(done))
    }
}
