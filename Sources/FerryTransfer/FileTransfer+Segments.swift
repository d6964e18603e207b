import FerryBase
import FerryTransport
import Foundation

extension FileTransfer {
    /// Moves `job` whichever way it goes: a whole file, or one byte range of a file split over
    /// several streams.
    ///
    /// Under `bandwidth`'s caps, the bytes are paced (``BandwidthLane``).
    package static func move(
        _ job: TransferJob, sftp: any RemoteFileSystem, buffer: Buffer, cancellation: Cancellation,
        bandwidth: HostBandwidth? = nil, installLater: Bool = false, progress: (UInt64) -> Void
    ) throws(CommandFailure) -> TransferOutcome {
        let lane = bandwidth?.open(job.isDownload ? .down : .up, cancellation: cancellation, connection: sftp)
        defer { lane?.close() }
        switch (job.segment, job.isDownload) {
        case (let segment?, true):
            return try downloadSegment(
                job, segment, sftp: sftp, buffer: buffer, cancellation: cancellation, lane: lane, progress: progress)
        case (let segment?, false):
            return try uploadSegment(
                job, segment, sftp: sftp, buffer: buffer, cancellation: cancellation, lane: lane, progress: progress)
        case (nil, true):
            return try download(
                job, sftp: sftp, buffer: buffer, cancellation: cancellation, lane: lane, installLater: installLater,
                progress: progress)
        case (nil, false):
            return try upload(
                job, sftp: sftp, buffer: buffer, cancellation: cancellation, lane: lane, progress: progress)
        }
    }

    /// Reads one range of the remote file into the shared temporary file at the same offsets. Doing
    /// it again (after another stream lost its connection) writes the same bytes again.
    package static func downloadSegment(
        _ job: TransferJob, _ segment: TransferJob.Segment, sftp: any RemoteFileSystem, buffer: Buffer,
        cancellation: Cancellation, lane: BandwidthLane? = nil, progress: (UInt64) -> Void
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
        let chunk = UInt64(min(job.readSize, buffer.memory.count))
        var done: UInt64 = 0
        while done < total {
            try cancellation.throwIfStopped(job.remoteDisplay)
            let wanted = Int(min(chunk, total - done))
            let window = UnsafeMutableRawBufferPointer(
                rebasing: buffer.memory[0..<(lane?.limit(wanted, minimum: minimumRead) ?? wanted)])
            let count = try remoteCall(job.remotePath, "read") { try remote.read(into: window) }
            if count == 0 {
                throw CommandFailure(
                    .transfer,
                    "\(job.remotePath): file ended at \(segment.range.lowerBound + done) of the"
                        + " \(job.sourceSize ?? 0) bytes the server announced")
            }
            try write(UnsafeRawBufferPointer(rebasing: window[0..<count]), to: local, as: job.localDisplay)
            done += UInt64(count)
            progress(done)
            try lane?.pace(count, name: job.remoteDisplay)
        }
        try localCall { () throws(LocalFileError) in try local.close() }
        return TransferOutcome(bytes: done)
    }

    /// Writes one range of the local file at the same offsets of the remote file (the hidden part, or
    /// the target itself with `--inplace`), which the first step of the transfer has already created
    /// (or emptied).
    package static func uploadSegment(
        _ job: TransferJob, _ segment: TransferJob.Segment, sftp: any RemoteFileSystem, buffer: Buffer,
        cancellation: Cancellation, lane: BandwidthLane? = nil, progress: (UInt64) -> Void
    ) throws(CommandFailure) -> TransferOutcome {
        let local = try localCall { () throws(LocalFileError) in
            try LocalFile(path: job.localPath, flags: O_RDONLY, operation: "open for read")
        }
        defer { try? local.close() }
        let path = segment.workPath ?? job.remotePath
        let remote = try remoteCall(path, "open for write") {
            try sftp.openFile(path, .update(mode: Int((job.sourcePermissions ?? 0o644) & 0o777)))
        }
        try localCall { () throws(LocalFileError) in try local.seek(to: segment.range.lowerBound) }
        remote.seek(to: segment.range.lowerBound)
        let total = segment.range.upperBound - segment.range.lowerBound
        let done = try stream(
            from: local, to: remote, job: job, limit: total, buffer: buffer, cancellation: cancellation, lane: lane,
            progress: progress)
        if done < total { throw CommandFailure(.transfer, "\(job.localDisplay): file shrank while being read") }
        try remoteCall(path, "close") { try remote.close() }
        return TransferOutcome(bytes: done)
    }

    /// Sends the local file from its position to the remote one, `limit` bytes at most (nil: to the
    /// end), keeping `writeSize` bytes in flight all the time; returns the bytes sent.
    ///
    /// The buffer holds the bytes not yet acknowledged followed by new ones; each call hands libssh2
    /// all of them, and libssh2 packs only the new. Acknowledged bytes leave the front; when the data
    /// reaches the end of the buffer it moves back to the start (one copy per buffer's worth).
    ///
    /// Under a cap (`lane`), fewer bytes are kept in flight, and new bytes wait for the cap before
    /// they are handed over.
    package static func stream(
        from local: LocalFile, to remote: any RemoteFile, job: TransferJob, limit: UInt64?, buffer: Buffer,
        cancellation: Cancellation, lane: BandwidthLane? = nil, progress: (UInt64) -> Void
    ) throws(CommandFailure) -> UInt64 {
        let memory = buffer.memory
        let most = min(writeSize, memory.count / 2)
        var inFlight = most
        var start = 0
        var end = 0
        var read: UInt64 = 0
        var sent: UInt64 = 0
        var atEnd = false
        while true {
            if cancellation.isCancelled { throw CommandFailure.interrupted(job.localDisplay) }
            if let lane { inFlight = lane.limit(most, minimum: 2 * sftpPacket) }
            if !atEnd, end - start < inFlight {
                if end + (inFlight - (end - start)) > memory.count {
                    if let base = memory.baseAddress { memmove(base, base + start, end - start) }
                    end -= start
                    start = 0
                }
                var wanted = inFlight - (end - start)
                if let limit { wanted = Int(min(UInt64(wanted), limit - read)) }
                let window = UnsafeMutableRawBufferPointer(rebasing: memory[end..<end + wanted])
                let count =
                    wanted == 0 ? 0 : try localCall { () throws(LocalFileError) in try local.read(into: window) }
                if count == 0 { atEnd = true }
                try lane?.pace(count, name: job.localDisplay)
                end += count
                read += UInt64(count)
            }
            if start == end { return sent }
            let acknowledged = try remoteCall(job.remotePath, "write") {
                try remote.writeSome(UnsafeRawBufferPointer(rebasing: memory[start..<end]))
            }
            start += acknowledged
            sent += UInt64(acknowledged)
            progress(sent)
        }
    }
}
