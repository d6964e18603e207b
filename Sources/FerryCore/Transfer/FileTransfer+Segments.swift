import FerryBase
import FerryTransport
import Foundation

extension FileTransfer {
    /// Moves `job` whichever way it goes: a whole file, or one byte range of a file split over
    /// several streams.
    static func move(
        _ job: TransferJob, sftp: any RemoteFileSystem, buffer: Buffer, cancellation: Cancellation,
        progress: (UInt64) -> Void
    ) throws(CommandFailure) -> TransferOutcome {
        switch (job.segment, job.isDownload) {
        case (let segment?, true):
            try downloadSegment(
                job, segment, sftp: sftp, buffer: buffer, cancellation: cancellation, progress: progress)
        case (let segment?, false):
            try uploadSegment(job, segment, sftp: sftp, buffer: buffer, cancellation: cancellation, progress: progress)
        case (nil, true):
            try download(job, sftp: sftp, buffer: buffer, cancellation: cancellation, progress: progress)
        case (nil, false):
            try upload(job, sftp: sftp, buffer: buffer, cancellation: cancellation, progress: progress)
        }
    }

    /// Reads one range of the remote file into the shared temporary file at the same offsets. Doing
    /// it again (after another stream lost its connection) writes the same bytes again.
    static func downloadSegment(
        _ job: TransferJob, _ segment: TransferJob.Segment, sftp: any RemoteFileSystem, buffer: Buffer,
        cancellation: Cancellation, progress: (UInt64) -> Void
    ) throws(CommandFailure) -> TransferOutcome {
        guard let workPath = segment.workPath else {
            throw CommandFailure(.transfer, "\(job.localPath): no temporary file for a part")
        }
        let remote = try remoteCall(job.remotePath, "open for read") { try sftp.openFile(job.remotePath, .read) }
        defer { try? remote.close() }
        let local = try localCall { () throws(LocalFileError) in
            try LocalFile(path: workPath, flags: O_WRONLY | O_NOFOLLOW, operation: "open")
        }
        defer { try? local.close() }
        remote.seek(to: segment.range.lowerBound)
        try localCall { () throws(LocalFileError) in try local.seek(to: segment.range.lowerBound) }
        let total = segment.range.upperBound - segment.range.lowerBound
        let chunk = UInt64(readSize)
        var done: UInt64 = 0
        while done < total {
            try cancellation.check(job.remoteDisplay)
            let window = UnsafeMutableRawBufferPointer(rebasing: buffer.memory[0..<Int(min(chunk, total - done))])
            let count = try remoteCall(job.remotePath, "read") { try remote.read(into: window) }
            if count == 0 {
                throw CommandFailure(
                    .transfer,
                    "\(job.remotePath): file ended at \(segment.range.lowerBound + done) of the"
                        + " \(job.sourceSize ?? 0) bytes the server announced")
            }
            try localCall { () throws(LocalFileError) in
                try local.write(UnsafeRawBufferPointer(rebasing: window[0..<count]))
            }
            done += UInt64(count)
            progress(done)
        }
        try localCall { () throws(LocalFileError) in try local.close() }
        return TransferOutcome(bytes: done)
    }

    /// Writes one range of the local file at the same offsets of the remote file, which the first
    /// step of the transfer has already created (or emptied).
    static func uploadSegment(
        _ job: TransferJob, _ segment: TransferJob.Segment, sftp: any RemoteFileSystem, buffer: Buffer,
        cancellation: Cancellation, progress: (UInt64) -> Void
    ) throws(CommandFailure) -> TransferOutcome {
        let local = try localCall { () throws(LocalFileError) in
            try LocalFile(path: job.localPath, flags: O_RDONLY, operation: "open for read")
        }
        defer { try? local.close() }
        let remote = try remoteCall(job.remotePath, "open for write") {
            try sftp.openFile(job.remotePath, .update(mode: Int((job.sourcePermissions ?? 0o644) & 0o777)))
        }
        try localCall { () throws(LocalFileError) in try local.seek(to: segment.range.lowerBound) }
        remote.seek(to: segment.range.lowerBound)
        let total = segment.range.upperBound - segment.range.lowerBound
        var done: UInt64 = 0
        while done < total {
            if cancellation.isCancelled {
                try? remote.close()
                throw CommandFailure.interrupted(job.localDisplay)
            }
            let window = UnsafeMutableRawBufferPointer(
                rebasing: buffer.memory[0..<Int(min(UInt64(writeSize), total - done))])
            let count = try localCall { () throws(LocalFileError) in try local.read(into: window) }
            if count == 0 {
                throw CommandFailure(.transfer, "\(job.localDisplay): file shrank while being read")
            }
            try remoteCall(job.remotePath, "write") {
                try remote.write(UnsafeRawBufferPointer(rebasing: window[0..<count]))
            }
            done += UInt64(count)
            progress(done)
        }
        try remoteCall(job.remotePath, "close") { try remote.close() }
        return TransferOutcome(bytes: done)
    }
}
