import FerryBase
import FerryScript
import FerryTransfer
import FerryTransport
import Foundation

/// One `mirror` command's two sides: the folders, which is the source, and what stands at each.
struct MirrorSides {
    var request: MirrorRequest
    var remoteRoot: String
    var localRoot: String
    /// Whether the target folder exists already (it is made otherwise).
    var targetExists: Bool
    /// The source and target folders, whichever side each is on.
    var sourceRoot: String { request.reverse ? localRoot : remoteRoot }
    var targetRoot: String { request.reverse ? remoteRoot : localRoot }
}

extension Interpreter {
    /// `mirror`: makes the target tree match the source tree, in three steps. Both trees are read and
    /// the whole plan made before anything changes (``planMirror(_:sides:sftp:)``); a dry run prints it
    /// (``printMirrorPlan(_:sides:summary:)``); otherwise it is applied (``applyMirror(_:sides:summary:sftp:)``):
    /// folders first, then files (over the transfer pool, atomically, with the source's times), then
    /// links, and last, only when every file arrived, what the source no longer has (`--delete`).
    /// `dryRun` (also set by `--check`) prints the plan and changes nothing.
    func runMirror(_ mirror: MirrorRequest, dryRun: Bool = false) throws(CommandFailure) -> CommandOutcome {
        let sftp = try sftp("mirror")
        let sides = try mirrorSides(of: mirror, sftp: sftp)
        let (plan, summary) = try planMirror(mirror, sides: sides, sftp: sftp)
        if dryRun || mirror.dryRun {
            var outcome = CommandOutcome()
            outcome.mirror = printMirrorPlan(plan, sides: sides, summary: summary)
            return outcome
        }
        return try applyMirror(plan, sides: sides, summary: summary, sftp: sftp)
    }

    /// Where the two trees are; the source must be a folder, the target a folder or nothing yet.
    private func mirrorSides(of mirror: MirrorRequest, sftp: any RemoteFileSystem) throws(CommandFailure) -> MirrorSides
    {
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
        let remoteIsFolder = (try? sftp.attributes(remoteRoot)).map(\.isDirectory)
        let localIsFolder = LocalStatus(localRoot).map(\.isDirectory)
        let (sourceIsFolder, targetIsFolder) =
            mirror.reverse ? (localIsFolder == true, remoteIsFolder) : (remoteIsFolder == true, localIsFolder)
        let sides = MirrorSides(
            request: mirror, remoteRoot: remoteRoot, localRoot: localRoot, targetExists: targetIsFolder != nil)
        guard sourceIsFolder else { throw CommandFailure(.transfer, "mirror: \(sides.sourceRoot): no such folder") }
        if targetIsFolder == false { throw CommandFailure(.transfer, "mirror: \(sides.targetRoot): not a folder") }
        return sides
    }

    /// Reads both trees and works out the plan (comparing digests first with `--checksum`); what is
    /// skipped is told here, once.
    private func planMirror(_ mirror: MirrorRequest, sides: MirrorSides, sftp: any RemoteFileSystem)
        throws(CommandFailure)
        -> (MirrorPlan, MirrorSummary)
    {
        let warn: (String) -> Void = { self.console.report($0) }
        let remoteTree =
            sides.request.reverse && !sides.targetExists
            ? FolderTree() : try FolderTree.remote(sides.remoteRoot, files: sftp, mirror: mirror, warn: warn)
        let localTree =
            !sides.request.reverse && !sides.targetExists
            ? FolderTree() : try FolderTree.local(sides.localRoot, mirror: mirror, warn: warn)
        let (source, target) = mirror.reverse ? (localTree, remoteTree) : (remoteTree, localTree)
        var plan = MirrorPlan(source: source, target: target, mirror: mirror)
        if !plan.compareDigests.isEmpty {
            try compareDigests(of: &plan, localRoot: sides.localRoot, remoteRoot: sides.remoteRoot, sftp: sftp)
        }
        let copied = Set(plan.copies.map(\.path))
        plan.copiedEntries = source.entries.filter { copied.contains($0.key) }
        var summary = MirrorSummary()
        summary.excluded = source.excluded
        summary.unchanged = plan.unchanged
        summary.skipped = plan.skipped.count
        for (path, why) in plan.skipped { warn("mirror: \(path): skipped: \(why)") }
        summary.bytes = plan.copiedEntries.values.reduce(0) { $0 + $1.size }
        return (plan, summary)
    }

    /// Prints what the plan would do, and its summary line; changes nothing.
    private func printMirrorPlan(_ plan: MirrorPlan, sides: MirrorSides, summary: MirrorSummary) -> MirrorSummary {
        var summary = summary
        summary.dryRun = true
        for path in plan.clearFirst + plan.clearFolders {
            console.print("mirror: would delete \(path) (in the way of the source's entry)")
        }
        if !sides.targetExists { console.print("mirror: would make folder \(sides.targetRoot)") }
        for folder in plan.folders { console.print("mirror: would make folder \(folder)") }
        for (path, reason) in plan.copies {
            console.print(
                "mirror: would copy \(path) (\(reason.rawValue), \(plan.copiedEntries[path]?.size ?? 0) bytes)")
        }
        for (path, held) in plan.links { console.print("mirror: would link \(path) -> \(held)") }
        for path in plan.deletions + plan.folderDeletions { console.print("mirror: would delete \(path)") }
        (summary.new, summary.changed) = plan.copyCounts
        summary.folders = plan.folders.count + (sides.targetExists ? 0 : 1)
        summary.links = plan.links.count
        summary.deleted =
            plan.deletions.count + plan.folderDeletions.count + plan.clearFirst.count + plan.clearFolders.count
        console.print(summary.line)
        return summary
    }

    /// `--checksum`: the files of equal size whose SHA-256 differs join the copies; the others match.
    private func compareDigests(
        of plan: inout MirrorPlan, localRoot: String, remoteRoot: String, sftp: any RemoteFileSystem
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
