import FerryBase
import FerryScript
import FerryTransport
import Foundation

/// Big files split into byte ranges that several streams move at once, everything else as it is.
///
/// One SFTP stream carries at most one window of data per round trip, and sshd grants an upload only
/// 2 MiB of window per channel, so over a long link one stream cannot fill it. A download's parts
/// write into one temporary file at their own offsets, which is renamed over the final name only when
/// every part is done; an upload's parts write into the remote file, created (or emptied) first. A
/// part whose connection drops is done again by another stream; if any part fails, the temporary
/// file is removed.
package struct SegmentPlan {
    /// A file of the original list, and which units move it.
    package struct Group {
        package var job: TransferJob
        package var units: Range<Int>
        package var workPath: String?
        package var outcomes: [TransferOutcome] = []
    }

    /// Each stream moves at least this much of a split file.
    package static let minimumPart: UInt64 = 16 << 20

    /// What the streams take, in order: whole files and parts of split ones.
    package private(set) var units: [TransferJob] = []
    private var groups: [Group] = []
    private var groupOfUnit: [Int] = []
    private var nextGroup = 0
    /// The main connection's files, where split uploads are put in place.
    private let files: any RemoteFileSystem

    /// How many parts a file of `size` bytes is split into with `streams` streams (1: not split).
    package static func parts(size: UInt64, streams: Int, minimumPart: UInt64 = Self.minimumPart) -> Int {
        guard streams > 1 else { return 1 }
        return Int(min(UInt64(streams), max(1, size / minimumPart)))
    }

    /// Plans `jobs` for `streams` streams, creating what split files need (the temporary file of a
    /// download, the emptied remote file of an upload); a file whose preparation fails is moved whole.
    package init(
        _ jobs: [TransferJob], streams: Int, files: any RemoteFileSystem, minimumPart: UInt64 = Self.minimumPart,
        log: (String) -> Void
    ) {
        self.files = files
        for job in jobs {
            let size = job.sourceSize ?? 0
            let count =
                job.resume || job.sourceSize == nil
                ? 1 : Self.parts(size: size, streams: streams, minimumPart: minimumPart)
            var workPath: String?
            var split = count > 1
            if split {
                if job.isDownload {
                    workPath = Self.makeWorkFile(for: job, size: size)
                    split = workPath != nil
                } else {
                    workPath = job.inPlace ? nil : FileTransfer.partPath(for: job.remotePath)
                    split = Self.createRemote(job, at: workPath ?? job.remotePath, files: files)
                }
            }
            let first = units.count
            if split {
                let part = (size + UInt64(count) - 1) / UInt64(count)
                var start: UInt64 = 0
                while start < size {
                    var unit = job
                    unit.segment = TransferJob.Segment(range: start..<min(size, start + part), workPath: workPath)
                    units.append(unit)
                    start += part
                }
                log("\(job.isDownload ? job.remoteDisplay : job.localDisplay): \(units.count - first) streams")
            } else {
                units.append(job)
            }
            groups.append(Group(job: job, units: first..<units.count, workPath: workPath))
            groupOfUnit += Array(repeating: groups.count - 1, count: units.count - first)
        }
    }

    /// Whether any file was split.
    package var splitsFiles: Bool { units.contains { $0.segment != nil } }

    /// Notes how unit `index` went; returns the files that are now complete, in order, each with how
    /// it went as a whole (a split file is finished here: renamed into place, or its parts removed).
    package mutating func record(_ index: Int, _ outcome: TransferOutcome) -> [(
        job: TransferJob, outcome: TransferOutcome
    )] {
        groups[groupOfUnit[index]].outcomes.append(outcome)
        var done: [(TransferJob, TransferOutcome)] = []
        while nextGroup < groups.count, groups[nextGroup].outcomes.count == groups[nextGroup].units.count {
            let group = groups[nextGroup]
            done.append(
                (group.job, group.units.count == 1 && group.workPath == nil ? group.outcomes[0] : finish(group)))
            nextGroup += 1
        }
        return done
    }

    /// The outcome of a split file, made final: a download renamed into place with its mode and time,
    /// an upload's hidden part given its mode and times and renamed over the target.
    private func finish(_ group: Group) -> TransferOutcome {
        let bytes = group.outcomes.reduce(UInt64(0)) { $0 + $1.bytes }
        let failure =
            group.outcomes.first { $0.failure?.failureClass == .interrupted }?.failure
            ?? group.outcomes.compactMap(\.failure).first
        let job = group.job
        if !job.isDownload {
            if let failure {
                // A part written at scattered offsets is no start for a `reput`.
                if let workPath = group.workPath { try? files.removeFile(workPath) }
                return TransferOutcome(bytes: bytes, failure: failure)
            }
            var status = stat()
            do {
                if stat(job.localPath, &status) != 0 {
                    throw CommandFailure(.transfer, "\(job.localDisplay): cannot read its mode and times")
                }
                try FileTransfer.finishUpload(
                    job, at: group.workPath ?? job.remotePath, sftp: files, status: status, cancellation: nil)
            } catch {
                if let workPath = group.workPath { try? files.removeFile(workPath) }
                return TransferOutcome(bytes: bytes, failure: error as? CommandFailure)
            }
            return TransferOutcome(bytes: bytes)
        }
        guard let workPath = group.workPath else { return TransferOutcome(bytes: bytes, failure: failure) }
        if let failure {
            unlink(workPath)
            return TransferOutcome(bytes: bytes, failure: failure)
        }
        do {
            if job.verify {
                try FileTransfer.verify(
                    job, localPath: workPath, remotePath: job.remotePath, sftp: files, cancellation: nil)
            }
        } catch {
            return TransferOutcome(bytes: bytes, failure: error)
        }
        do {
            let file = try LocalFile(path: workPath, flags: O_WRONLY | O_NOFOLLOW, operation: "open")
            let replacement = LocalReplacement(
                for: job.localPath, remoteMode: job.sourcePermissions, preserve: job.preserve)
            try FileTransfer.install(
                file, from: workPath, at: job.localPath, permissions: replacement.mode,
                modificationTime: job.setsTime ? job.sourceModificationTime : nil)
        } catch {
            unlink(workPath)
            return TransferOutcome(bytes: bytes, failure: CommandFailure(.transfer, error.description))
        }
        return TransferOutcome(bytes: bytes)
    }

    /// The temporary file a split download's parts write into, made at its full size beside the final
    /// name; nil when it cannot be made (the file is then moved whole, which reports why).
    ///
    /// The size is the server's word: a file the local disk has no room for is not made at that size
    /// (moved whole, the download stops where the disk does).
    private static func makeWorkFile(for job: TransferJob, size: UInt64) -> String? {
        if let root = job.localRoot, DownloadRoot(root).escape(job.localPath) != nil { return nil }
        guard let free = LocalStatus.freeSpace(in: PathRules.parent(job.localPath)), size <= free else { return nil }
        // A file to be written in place is moved whole (see LocalReplacement).
        let replacement = LocalReplacement(
            for: job.localPath, remoteMode: job.sourcePermissions, preserve: job.preserve)
        guard replacement.way == .rename else { return nil }
        guard let (file, path) = try? FileTransfer.createTemporary(beside: job.localPath) else { return nil }
        let owned = replacement.owner.map { fchown(file.descriptor, $0.uid, $0.gid) == 0 } ?? true
        if owned, ftruncate(file.descriptor, off_t(size)) == 0, (try? file.close()) != nil { return path }
        unlink(path)
        return nil
    }

    /// Creates (or empties) the remote file a split upload's parts write into.
    private static func createRemote(_ job: TransferJob, at path: String, files: any RemoteFileSystem) -> Bool {
        guard let file = try? files.openFile(path, .write(mode: Int((job.sourcePermissions ?? 0o644) & 0o777)))
        else { return false }
        return (try? file.close()) != nil
    }
}
