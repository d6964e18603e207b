import FerryBase
import FerryScript
import FerryTransfer
import FerryTransport
import Foundation

extension Interpreter {
    /// Carries out a mirror's plan: what stands in the way (with `--delete`), the folders, the files,
    /// the links, then what the source no longer has. A failure prints the summary of what was done
    /// and keeps it in the failure's outcome.
    func applyMirror(_ plan: MirrorPlan, sides: MirrorSides, summary: MirrorSummary, sftp: any RemoteFileSystem)
        throws(CommandFailure) -> CommandOutcome
    {
        var summary = summary
        var outcome = CommandOutcome()
        do throws(CommandFailure) {
            try clearTheWay(plan, sides: sides, summary: &summary, sftp: sftp)
            try makeFolders(plan, sides: sides, summary: &summary, sftp: sftp)
            outcome = try moveFiles(plan, sides: sides)
            (summary.new, summary.changed) = plan.copyCounts
            summary.bytes = outcome.bytes
            try makeLinks(plan, sides: sides, summary: &summary, sftp: sftp)
            try deleteGone(plan, sides: sides, summary: &summary, sftp: sftp)
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

    /// With `--delete`: what stands where the source has another kind of entry goes first.
    private func clearTheWay(
        _ plan: MirrorPlan, sides: MirrorSides, summary: inout MirrorSummary, sftp: any RemoteFileSystem
    ) throws(CommandFailure) {
        for (path, folder) in plan.clearFirst.map({ ($0, false) }) + plan.clearFolders.map({ ($0, true) }) {
            try delete(path, folder: folder, sides: sides, summary: &summary, sftp: sftp)
            console.print("mirror: deleted \(path)\(folder ? "/" : "") (in the way of the source's entry)")
        }
    }

    /// Deletes the target's entry at `path` (inside the tree) and counts it.
    private func delete(
        _ path: String, folder: Bool, sides: MirrorSides, summary: inout MirrorSummary, sftp: any RemoteFileSystem
    ) throws(CommandFailure) {
        try removeEntry(
            PathRules.join(sides.targetRoot, path), folder: folder, remote: sides.request.reverse, sftp: sftp)
        summary.deleted += 1
    }

    /// The target folder when it is missing, then the plan's folders, parents first.
    private func makeFolders(
        _ plan: MirrorPlan, sides: MirrorSides, summary: inout MirrorSummary, sftp: any RemoteFileSystem
    ) throws(CommandFailure) {
        for folder in (sides.targetExists ? [] : [""]) + plan.folders {
            let path = folder.isEmpty ? sides.targetRoot : PathRules.join(sides.targetRoot, folder)
            if sides.request.reverse {
                try remote("mirror", path) { try sftp.makeDirectory(path) }
            } else if folder.isEmpty {
                // The folder the user named locally is made with the folders above it.
                do {
                    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
                } catch {
                    throw CommandFailure(.transfer, "mirror: \(path): cannot make the folder")
                }
            } else if mkdir(path, 0o777) != 0 {
                throw CommandFailure(.transfer, "mirror: " + LocalFileError(path: path, operation: "mkdir").description)
            }
            summary.folders += 1
        }
    }

    /// The files, through the same machinery as mget and mput (`--parallel N` sets the connections).
    private func moveFiles(_ plan: MirrorPlan, sides: MirrorSides) throws(CommandFailure) -> CommandOutcome {
        let mirror = sides.request
        let shown =
            mirror.reverse
            ? mirror.source : paths.namingHost(mirror.target ?? PathRules.lastComponent(sides.remoteRoot))
        let jobs = plan.copies.compactMap { copy in
            plan.copiedEntries[copy.path].map { mirrorJob(copy.path, entry: $0, sides: sides, localShown: shown) }
        }
        if jobs.isEmpty { return CommandOutcome() }
        return try execute(jobs, command: "mirror", connections: mirror.connections, ledger: nil)
    }

    /// The links, each replacing what stood at its name.
    private func makeLinks(
        _ plan: MirrorPlan, sides: MirrorSides, summary: inout MirrorSummary, sftp: any RemoteFileSystem
    ) throws(CommandFailure) {
        for (path, held) in plan.links {
            let full = PathRules.join(sides.targetRoot, path)
            if sides.request.reverse {
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
    }

    /// With `--delete`: what the source no longer has, files and links first, then folders, deepest
    /// first; a folder that still holds what the rules left out stays.
    private func deleteGone(
        _ plan: MirrorPlan, sides: MirrorSides, summary: inout MirrorSummary, sftp: any RemoteFileSystem
    ) throws(CommandFailure) {
        for path in plan.deletions {
            try delete(path, folder: false, sides: sides, summary: &summary, sftp: sftp)
            console.print("mirror: deleted \(path)")
        }
        for path in plan.folderDeletions {
            do throws(CommandFailure) {
                try delete(path, folder: true, sides: sides, summary: &summary, sftp: sftp)
                console.print("mirror: deleted \(path)/")
            } catch  where error.failureClass != .connection {
                console.report("mirror: \(path): folder kept: it holds files left out by --exclude")
                summary.skipped += 1
            }
        }
    }

    /// Removes a file or link (or, with `folder`, an empty folder) of the target tree, on the remote
    /// side when `remote`; one already gone is no failure.
    private func removeEntry(
        _ path: String, folder: Bool = false, remote isRemote: Bool, sftp: any RemoteFileSystem
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
    private func mirrorJob(_ path: String, entry: FolderTree.Entry, sides: MirrorSides, localShown: String)
        -> TransferJob
    {
        let mirror = sides.request
        let (remoteRoot, localRoot) = (sides.remoteRoot, sides.localRoot)
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
}
