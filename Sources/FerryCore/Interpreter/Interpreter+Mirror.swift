import FerryBase
import FerryScript
import FerryTransport
import Foundation

extension Interpreter {
    /// `mirror`: makes the target tree match the source tree. Both trees are read and the whole plan
    /// made before anything changes; folders are made first, then files move (over the transfer
    /// pool, atomically, with the source's times), then links are made, and last, only when every
    /// file arrived, what the source no longer has is removed (`--delete`). `dryRun` (also set by
    /// `--check`) prints the plan and changes nothing.
    func runMirror(_ mirror: MirrorRequest, dryRun: Bool = false) throws(CommandFailure) -> CommandOutcome {
        let sftp = try sftp("mirror")
        let dryRun = dryRun || mirror.dryRun
        let remoteRoot: String
        let localRoot: String
        if mirror.reverse {
            localRoot = localPath(mirror.source)
            remoteRoot = paths.remotePath(mirror.target ?? PathRules.lastComponent(localRoot))
        } else {
            remoteRoot = paths.remotePath(mirror.source)
            // A missing local folder is made with the folders above it ({host} included) when files move.
            localRoot = localPath(mirror.target ?? PathRules.lastComponent(remoteRoot))
        }
        let warn: (String) -> Void = { self.console.report($0) }

        // The source must be a folder; the target is a folder, or nothing yet.
        let remoteKind = try? sftp.attributes(remoteRoot)
        let localKind = LocalStatus(localRoot)
        let (sourceIsFolder, targetKind): (Bool, Bool?) =
            mirror.reverse
            ? (localKind?.isDirectory == true, remoteKind.map(\.isDirectory))
            : (remoteKind?.isDirectory == true, localKind.map(\.isDirectory))
        let (sourceRoot, targetRoot) = mirror.reverse ? (localRoot, remoteRoot) : (remoteRoot, localRoot)
        guard sourceIsFolder else { throw CommandFailure(.transfer, "mirror: \(sourceRoot): no such folder") }
        if targetKind == false { throw CommandFailure(.transfer, "mirror: \(targetRoot): not a folder") }

        let remoteTree =
            remoteKind?.isDirectory == true
            ? try FolderTree.remote(remoteRoot, files: sftp, mirror: mirror, warn: warn) : FolderTree()
        let localTree =
            localKind?.isDirectory == true ? try FolderTree.local(localRoot, mirror: mirror, warn: warn) : FolderTree()
        let (source, target) = mirror.reverse ? (localTree, remoteTree) : (remoteTree, localTree)
        var plan = MirrorPlan(source: source, target: target, mirror: mirror)
        var summary = MirrorSummary()
        summary.dryRun = dryRun
        summary.excluded = source.excluded
        if !plan.compareDigests.isEmpty {
            try compareDigests(of: &plan, localRoot: localRoot, remoteRoot: remoteRoot, sftp: sftp)
        }
        summary.unchanged = plan.unchanged
        summary.skipped = plan.skipped.count
        for (path, why) in plan.skipped { warn("mirror: \(path): skipped: \(why)") }
        summary.bytes = plan.copies.reduce(0) { $0 + (source.entries[$1.path]?.size ?? 0) }
        let newFiles = plan.copies.filter { $0.reason == .new }.count

        if dryRun {
            for path in plan.clearFirst + plan.clearFolders {
                console.print("mirror: would delete \(path) (in the way of the source's entry)")
            }
            if targetKind == nil { console.print("mirror: would make folder \(targetRoot)") }
            for folder in plan.folders { console.print("mirror: would make folder \(folder)") }
            for (path, reason) in plan.copies {
                console.print(
                    "mirror: would copy \(path) (\(reason.rawValue), \(source.entries[path]?.size ?? 0) bytes)")
            }
            for (path, held) in plan.links { console.print("mirror: would link \(path) -> \(held)") }
            for path in plan.deletions + plan.folderDeletions { console.print("mirror: would delete \(path)") }
            (summary.new, summary.changed) = (newFiles, plan.copies.count - newFiles)
            summary.folders = plan.folders.count + (targetKind == nil ? 1 : 0)
            summary.links = plan.links.count
            summary.deleted =
                plan.deletions.count + plan.folderDeletions.count + plan.clearFirst.count + plan.clearFolders.count
            console.print(summary.line)
            var outcome = CommandOutcome()
            outcome.mirror = summary
            return outcome
        }

        // Folders, parents first (the plan's order), then the files.
        var outcome = CommandOutcome()
        do throws(CommandFailure) {
            // What stands in the way of another kind of entry goes first (only with --delete).
            for path in plan.clearFirst {
                try removeEntry(PathRules.join(targetRoot, path), remote: mirror.reverse, sftp: sftp)
                console.print("mirror: deleted \(path) (in the way of the source's entry)")
                summary.deleted += 1
            }
            for path in plan.clearFolders {
                try removeEntry(PathRules.join(targetRoot, path), folder: true, remote: mirror.reverse, sftp: sftp)
                console.print("mirror: deleted \(path)/ (in the way of the source's entry)")
                summary.deleted += 1
            }
            for folder in (targetKind == nil ? [""] : []) + plan.folders {
                let path = folder.isEmpty ? targetRoot : PathRules.join(targetRoot, folder)
                if mirror.reverse {
                    try remote("mirror", path) { try sftp.makeDirectory(path) }
                } else if folder.isEmpty {
                    // The folder the user named locally is made with the folders above it.
                    do {
                        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
                    } catch {
                        throw CommandFailure(.transfer, "mirror: \(path): cannot make the folder")
                    }
                } else if mkdir(path, 0o777) != 0 {
                    throw CommandFailure(
                        .transfer, "mirror: " + LocalFileError(path: path, operation: "mkdir").description)
                }
                summary.folders += 1
            }
            let jobs = plan.copies.compactMap { copy in
                source.entries[copy.path].map {
                    mirrorJob(
                        copy.path, entry: $0, mirror: mirror, remoteRoot: remoteRoot, localRoot: localRoot,
                        localShown: mirror.reverse
                            ? mirror.source : paths.namingHost(mirror.target ?? PathRules.lastComponent(remoteRoot)))
                }
            }
            if !jobs.isEmpty {
                let connections = settings.transferConnections
                if let wanted = mirror.connections {
                    settings.transferConnections = wanted
                    // Extra connections opened earlier in another number give way to the ones asked for.
                    if let pool, pool.extraConnections != wanted - 1 {
                        pool.shutdown()
                        self.pool = nil
                    }
                }
                defer { settings.transferConnections = connections }
                outcome = try execute(jobs, command: "mirror")
            }
            (summary.new, summary.changed) = (newFiles, plan.copies.count - newFiles)
            summary.bytes = outcome.bytes
            for (path, held) in plan.links {
                let full = PathRules.join(targetRoot, path)
                if mirror.reverse {
                    try? sftp.removeFile(full)
                    try remote("mirror", full) { try sftp.makeSymbolicLink(full, to: held) }
                } else {
                    unlink(full)
                    if symlink(held, full) != 0 {
                        throw CommandFailure(
                            .transfer, "mirror: " + LocalFileError(path: full, operation: "symlink").description)
                    }
                }
                summary.links += 1
            }
            for path in plan.deletions {
                try removeEntry(PathRules.join(targetRoot, path), remote: mirror.reverse, sftp: sftp)
                console.print("mirror: deleted \(path)")
                summary.deleted += 1
            }
            for path in plan.folderDeletions {
                do throws(CommandFailure) {
                    try removeEntry(PathRules.join(targetRoot, path), folder: true, remote: mirror.reverse, sftp: sftp)
                    console.print("mirror: deleted \(path)/")
                    summary.deleted += 1
                } catch  where error.failureClass != .connection {
                    // A folder that still holds what the rules left out stays.
                    warn("mirror: \(path): folder kept: it holds files left out by --exclude")
                    summary.skipped += 1
                }
            }
        } catch {
            // What moved before the failure; the files that failed are told above.
            var failed = error.outcome
            if failed.files == 0 && failed.bytes == 0 { (failed.files, failed.bytes) = (outcome.files, outcome.bytes) }
            summary.bytes = failed.bytes
            failed.mirror = summary
            console.print(summary.line)
            throw error.having(failed)
        }
        console.print(summary.line)
        outcome.mirror = summary
        return outcome
    }

    /// Removes a file or link (or, with `folder`, an empty folder) of the target tree, on the remote
    /// side when `remote`; one already gone is no failure.
    private func removeEntry(
        _ path: String, folder: Bool = false, remote isRemote: Bool, sftp: SFTPClient
    ) throws(CommandFailure) {
        if isRemote {
            try remote("mirror", path) { try folder ? sftp.removeDirectory(path) : sftp.removeFile(path) }
        } else if (folder ? rmdir(path) : unlink(path)) != 0, errno != ENOENT {
            let reason =
                errno == ENOTEMPTY ? "the folder holds files left out by --exclude" : String(cString: strerror(errno))
            throw CommandFailure(.transfer, "mirror: \(path): cannot delete: \(reason.lowercased())")
        }
    }

    /// The transfer of one file of a mirror, at `path` inside both trees; the local side is shown
    /// under `localShown`, the folder as the user named it.
    private func mirrorJob(
        _ path: String, entry: FolderTree.Entry, mirror: MirrorRequest, remoteRoot: String, localRoot: String,
        localShown: String
    ) -> TransferJob {
        let remote = PathRules.join(remoteRoot, path)
        let local = PathRules.join(localRoot, path)
        return TransferJob(
            remotePath: remote, localPath: local, remoteDisplay: remote,
            localDisplay: PathRules.join(localShown, path),
            isDownload: !mirror.reverse, resume: false, preserve: mirror.preserve, sourceSize: entry.size,
            sourcePermissions: entry.permissions, sourceModificationTime: entry.modificationTime,
            // Names from the server stay inside the local tree.
            localRoot: mirror.reverse ? nil : localRoot, verify: mirror.verify, keepsTime: true)
    }

    /// `--checksum`: the files of equal size whose SHA-256 differs join the copies; the others match.
    private func compareDigests(
        of plan: inout MirrorPlan, localRoot: String, remoteRoot: String, sftp: SFTPClient
    ) throws(CommandFailure) {
        try requireDigests("mirror", sftp: sftp)
        let paths = plan.compareDigests
        let bytes = paths.reduce(UInt64(0)) { $0 + (LocalStatus(PathRules.join(localRoot, $1))?.size ?? 0) }
        let answer = try remote("mirror", remoteRoot) {
            try sftp.sha256(
                ofFiles: paths.map { PathRules.join(remoteRoot, $0) }, bytes: bytes, cancellation: settings.cancellation
            )
        }
        try settings.cancellation.throwIfStopped("mirror")
        guard case .digests(_, let remote) = answer else {
            throw CommandFailure(.transfer, "mirror: the server stopped hashing files")
        }
        for (index, path) in paths.enumerated() {
            let local = try? SHA256File.digest(
                ofFileAt: PathRules.join(localRoot, path), cancellation: settings.cancellation)
            if let local, let there = remote[index], local == there {
                plan.unchanged += 1
            } else {
                plan.copies.append((path, .changed))
            }
        }
        try settings.cancellation.throwIfStopped("mirror")
        plan.copies.sort { $0.path < $1.path }
        plan.compareDigests = []
    }
}
