import FerryBase
import FerryScript
import FerryTransport
import Foundation

/// Moves one file over an SFTP channel, safely: downloads land under a temporary name and are renamed
/// only when complete; a failure removes the temporary file.
package enum FileTransfer {
    /// Bytes asked of libssh2 per read. libssh2 keeps four times this in flight, so it is the window.
    package static let readSize = 2 * 1024 * 1024
    /// Bytes asked per read on a near link: 1 MiB in flight is plenty there, and a read this small is
    /// still in the processor's cache when it is written to the file (measured on loopback: a 1 GiB
    /// get takes a fifth less CPU than with `readSize`).
    package static let nearReadSize = 256 * 1024
    /// Round trips shorter than this (seconds) make a link near.
    package static let nearRoundTrip = 0.001

    /// The read size for a link with this round trip (nil: not measured, so assume a far one).
    package static func readSize(roundTrip: Double?) -> Int {
        guard let roundTrip, roundTrip < nearRoundTrip else { return readSize }
        return nearReadSize
    }
    /// Bytes handed to libssh2 per write: a multiple of its 30,000-byte SFTP packets.
    package static let writeSize = 70 * 30_000
    /// The bytes libssh2 puts in one SFTP read or write packet.
    static let sftpPacket = 30_000
    /// The least a capped download asks for at once: a packet's worth, rounded up.
    static let minimumRead = 32 * 1024

    /// A reusable transfer buffer, one per thread.
    package final class Buffer {
        package let memory: UnsafeMutableRawBufferPointer

        /// Room for a read, or for a write's bytes in flight and as many again behind them.
        package init(size: Int = max(FileTransfer.readSize, 2 * FileTransfer.writeSize)) {
            memory = .allocate(byteCount: size, alignment: 16)
        }

        deinit { memory.deallocate() }
    }

    /// Downloads `job`; `progress` receives the bytes moved so far. A cancellation stops it between
    /// reads, removing the temporary file (a resumed download keeps what it had, for the next `reget`).
    ///
    /// With `installLater`, a new file is left complete under its temporary name, for the caller to
    /// put in place (``TransferOutcome/install``).
    package static func download(
        _ job: TransferJob, sftp: any RemoteFileSystem, buffer: Buffer, cancellation: Cancellation,
        lane: BandwidthLane? = nil, installLater: Bool = false, progress: (UInt64) -> Void
    ) throws(CommandFailure) -> TransferOutcome {
        let remote: any RemoteFile
        do {
            remote = try sftp.openFile(job.remotePath, .read)
        } catch {
            throw CommandFailure(error, context: "\(job.remotePath): open for read")
        }
        var size = job.sourceSize
        var permissions = job.sourcePermissions
        var mtime = job.sourceModificationTime
        if size == nil || (job.setsTime && (permissions == nil || mtime == nil)) {
            let attributes = try remoteCall(job.remotePath, "stat") { try remote.attributes() }
            size = attributes.size
            permissions = attributes.permissions
            mtime = attributes.modificationTime
        }
        var outcome = TransferOutcome()
        if let root = job.localRoot, let reason = DownloadRoot(root).escape(job.localPath) {
            throw CommandFailure(.transfer, "\(job.localPath): refusing to write there: \(reason)")
        }
        let target = try openTarget(
            of: job, remoteSize: size, remoteMode: permissions, remote: remote, outcome: &outcome)
        let local = target.file
        if let start = target.resumedAt {
            outcome.resumedAt = start
            remote.seek(to: start)
        }
        do {
            let copied = try copy(
                remote, to: local, job: job, size: size, start: target.resumedAt ?? 0, buffer: buffer,
                cancellation: cancellation, lane: lane, progress: progress)
            outcome.bytes = copied.bytes
            if let warning = copied.warning {
                outcome.warning = outcome.warning.map { "\($0); \(warning)" } ?? warning
            }
            try? remote.close()
            if job.verify {
                try verify(
                    job, localPath: target.temporaryPath ?? job.localPath, remotePath: job.remotePath, sftp: sftp,
                    cancellation: cancellation, removesCopy: target.temporaryPath != nil)
            }
            outcome.install = try finish(
                local, job: job, temporaryPath: target.temporaryPath, mode: target.mode,
                modificationTime: job.setsTime ? mtime : nil, installLater: installLater)
        } catch {
            // The part stays when it was itself continued, and when the connection was lost and a
            // retry will continue it; it goes on any other failure.
            let failure = CommandFailure(error, context: "")
            let retried = failure.failureClass == .connection && job.keepsPartWhenCut && !cancellation.isCancelled
            let keep = retried || target.resumedAt != nil
            if let temporaryPath = target.temporaryPath, !keep { unlink(temporaryPath) }
            throw failure
        }
        return outcome
    }

    /// Puts a complete download in place: a part gets its mode and time and is renamed over the name
    /// (or handed back to be, with `installLater`); a file written in place gets them only when asked
    /// (`-p`, mirror's times).
    private static func finish(
        _ local: LocalFile, job: TransferJob, temporaryPath: String?, mode: UInt32?, modificationTime: UInt32?,
        installLater: Bool
    ) throws(CommandFailure) -> PendingInstall? {
        try localCall { () throws(LocalFileError) -> PendingInstall? in
            guard let temporaryPath else {
                if modificationTime != nil || mode != nil {
                    try local.setAttributes(permissions: mode, modificationTime: modificationTime)
                }
                try local.close()
                return nil
            }
            let pending = PendingInstall(
                file: local, temporaryPath: temporaryPath, path: job.localPath, permissions: mode,
                modificationTime: modificationTime)
            if installLater { return pending }
            try pending.perform()
            return nil
        }
    }

    /// Where a download writes: a hidden part beside the final name (``partPath(for:)``), renamed
    /// over it when complete, or the file itself when ``LocalReplacement`` says it is to be written in
    /// place (`temporaryPath` nil). A resume continues the part an interrupted download left, else the
    /// final file itself (psftp's `reget`), at its size (`resumedAt`). `mode` is what the finished
    /// file gets (nil: it keeps its own).
    ///
    /// A resume first checks that what is already there ends as the remote file does at that point
    /// (the last 64 KiB); when it does not, the download starts over, with a warning in `outcome`.
    private static func openTarget(
        of job: TransferJob, remoteSize size: UInt64?, remoteMode: UInt32?, remote: any RemoteFile,
        outcome: inout TransferOutcome
    ) throws(CommandFailure) -> (file: LocalFile, temporaryPath: String?, resumedAt: UInt64?, mode: UInt32?) {
        let replacement = LocalReplacement(for: job.localPath, remoteMode: remoteMode, preserve: job.preserve)
        // Under a folder a server names files in, an existing file is never followed out through a link.
        let rooted = job.localRoot != nil
        let part = partPath(for: job.localPath)
        for (candidate, isPart) in job.resume ? [(part, true), (job.localPath, false)] : [] {
            guard let existing = LocalStatus(candidate, followLinks: !rooted && !isPart), existing.isRegularFile
            else { continue }
            if let size, existing.size > size {
                throw CommandFailure(
                    .transfer, "\(job.localDisplay): local file is larger than the remote file; not resuming")
            }
            let noFollow = rooted || isPart ? O_NOFOLLOW : 0
            let present = try localCall { () throws(LocalFileError) in
                try LocalFile(path: candidate, flags: O_RDONLY | noFollow, operation: "open for read")
            }
            defer { try? present.close() }
            guard try tailsMatch(remote: remote, path: job.remotePath, local: present, at: existing.size) else {
                outcome.warning = "the part already here differs from the remote file; started over"
                remote.seek(to: 0)
                break
            }
            let file = try localCall { () throws(LocalFileError) in
                try LocalFile(path: candidate, flags: O_WRONLY | O_APPEND | noFollow, operation: "open for append")
            }
            let mode = isPart ? replacement.mode : job.preserve ? remoteMode.map(ServerMode.local) : nil
            return (file, isPart ? candidate : nil, existing.size, mode)
        }
        // A part left by an earlier download that is not being continued is replaced.
        unlink(part)
        if replacement.way == .inPlace { return try openInPlace(job, remoteMode: remoteMode, mode: replacement.mode) }
        let file: LocalFile
        do {
            file = try LocalFile(
                path: part, flags: O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW, mode: 0o600, operation: "create")
        } catch {
            let folder = PathRules.parent(job.localPath)
            throw CommandFailure(
                .transfer,
                "\(folder.isEmpty ? "." : folder): cannot create file: \(String(cString: strerror(error.code)).lowercased())"
            )
        }
        // The copy takes the replaced file's owner and group now, while it is empty; where it cannot,
        // the file is written in place instead, so who it belongs to stays.
        if let owner = replacement.owner, fchown(file.descriptor, owner.uid, owner.gid) != 0 {
            try? file.close()
            unlink(part)
            return try openInPlace(job, remoteMode: remoteMode, mode: job.preserve ? replacement.mode : nil)
        }
        return (file, part, nil, replacement.mode)
    }

    /// Opens the download's target itself, emptied (through a symbolic link when it is one; a new
    /// file at a link that leads nowhere gets a new file's mode), as psftp writes it.
    private static func openInPlace(_ job: TransferJob, remoteMode: UInt32?, mode: UInt32?) throws(CommandFailure)
        -> (file: LocalFile, temporaryPath: String?, resumedAt: UInt64?, mode: UInt32?)
    {
        let file = try localCall { () throws(LocalFileError) in
            try LocalFile(
                path: job.localPath, flags: O_WRONLY | O_CREAT | O_TRUNC,
                mode: mode_t(LocalReplacement.newFileMode(remoteMode: remoteMode)), operation: "open for write")
        }
        return (file, nil, nil, mode)
    }

    /// A new file, only this user's, under a hidden free name beside `path` (`.name.ferry-xxxx`): where a
    /// download is written before it is renamed over `path`.
    package static func createTemporary(beside path: String) throws(CommandFailure) -> (file: LocalFile, path: String) {
        let directory = PathRules.parent(path)
        let name = PathRules.lastComponent(path)
        for _ in 0..<20 {
            let candidate = PathRules.join(
                directory.isEmpty ? "." : directory,
                ".\(name).ferry-\(String(UInt32.random(in: 0...UInt32.max), radix: 36))")
            do {
                let file = try LocalFile(
                    path: candidate, flags: O_WRONLY | O_CREAT | O_EXCL, mode: 0o600, operation: "create")
                return (file, candidate)
            } catch  where error.code == EEXIST {
                continue
            } catch {
                throw CommandFailure(
                    .transfer,
                    "\(directory): cannot create file: \(String(cString: strerror(error.code)).lowercased())")
            }
        }
        throw CommandFailure(.transfer, "\(path): cannot find a free temporary name")
    }

    /// Gives a finished download in `file` (at `temporaryPath`) its mode (the umask's default when
    /// none is kept) and time, writes it to the disk, closes it and renames it over `path`: after a
    /// crash the name holds the old file or the whole new one.
    package static func install(
        _ file: LocalFile, from temporaryPath: String, at path: String, permissions: UInt32?,
        modificationTime: UInt32?
    ) throws(LocalFileError) {
        try PendingInstall(
            file: file, temporaryPath: temporaryPath, path: path, permissions: permissions,
            modificationTime: modificationTime
        ).perform()
    }

    /// Copies the remote file into `local` from `start`, returning the bytes copied and a warning when
    /// the file did not match the size the server announced.
    ///
    /// That size bounds the download: a server that streams more (or for ever) gets no further than
    /// that, and a file that grew while being read is reported.
    ///
    /// Under a cap (`lane`), reads are smaller (less in flight) and each waits until the bytes before it
    /// may count as moved.
    private static func copy(
        _ remote: any RemoteFile, to local: LocalFile, job: TransferJob, size: UInt64?, start: UInt64,
        buffer: Buffer, cancellation: Cancellation, lane: BandwidthLane?, progress: (UInt64) -> Void
    ) throws -> (bytes: UInt64, warning: String?) {
        let expected = size.map { $0 - min($0, start) }
        // Ask for no more than the file holds: libssh2 sends read-ahead for the whole buffer.
        let readSize = UInt64(min(job.readSize, buffer.memory.count))
        let chunk = Int(min(readSize, max(expected ?? readSize, 32 * 1024)))
        var done: UInt64 = 0
        while true {
            try cancellation.throwIfStopped(job.remoteDisplay)
            var wanted = expected.map { done < $0 ? Int(min(UInt64(chunk), $0 - done)) : 1 } ?? chunk
            if let lane { wanted = lane.limit(wanted, minimum: minimumRead) }
            let window = UnsafeMutableRawBufferPointer(rebasing: buffer.memory[0..<wanted])
            let count = try remoteCall(job.remotePath, "read") { try remote.read(into: window) }
            if let expected, let size, done >= expected {
                let warning =
                    count > 0
                    ? "file grew while being read; kept the first \(size) bytes, the size the server announced" : nil
                return (done, warning)
            }
            if count == 0 {
                if let expected, let size, done < expected {
                    return (done, "file ended after \(start + done) of the \(size) bytes the server announced")
                }
                return (done, nil)
            }
            try write(UnsafeRawBufferPointer(rebasing: window[0..<count]), to: local, as: job.localDisplay)
            done += UInt64(count)
            progress(done)
            try lane?.pace(count, name: job.remoteDisplay)
        }
    }

    /// Runs a remote step, turning its error into a failure naming the path and the step.
    package static func remoteCall<T>(_ path: String, _ step: String, _ body: () throws -> T) throws(CommandFailure)
        -> T
    {
        do {
            return try body()
        } catch {
            throw CommandFailure(error, context: "\(path): \(step)")
        }
    }

    /// Writes downloaded bytes to `local`; a failure is named by `name`, the file the user asked for,
    /// not the temporary one written.
    package static func write(_ bytes: UnsafeRawBufferPointer, to local: LocalFile, as name: String)
        throws(CommandFailure)
    {
        do {
            try local.write(bytes)
        } catch {
            throw CommandFailure(
                .transfer, LocalFileError(path: name, operation: error.operation, code: error.code).description)
        }
    }

    /// Runs a local step, turning its error into a transfer failure.
    package static func localCall<T>(_ body: () throws(LocalFileError) -> T) throws(CommandFailure) -> T {
        do {
            return try body()
        } catch {
            throw CommandFailure(.transfer, error.description)
        }
    }
}
