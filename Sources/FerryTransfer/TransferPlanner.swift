import FerryBase
import FerryScript
import FerryTransport
import Foundation

/// Turns a transfer command into jobs, every file resolved before any data moves: what is copied,
/// from where to where, and which folders are made for it.
///
/// It sees the remote side only through ``RemoteFileSystem``, so it runs against an in-memory fake in
/// unit tests as against SFTP. Names from the server pass ``DownloadRoot`` before they become local
/// paths; refused names and skipped folders are told to `warn`, one line each.
package struct TransferPlanner {
    /// The remote files.
    package let files: any RemoteFileSystem
    /// Where relative paths start, on both sides, and the host a `{host}` names.
    package let paths: PathContext
    /// Receives one line per warning.
    package let warn: (String) -> Void
    /// Plans without making any folder, on either side (`--check`).
    package var dryRun = false

    /// Creates a value from its parts.
    package init(
        files: any RemoteFileSystem, paths: PathContext, warn: @escaping (String) -> Void, dryRun: Bool = false
    ) {
        self.files = files
        self.paths = paths
        self.warn = warn
        self.dryRun = dryRun
    }

    package var localDirectory: String { paths.localDirectory }
    package func remotePath(_ path: String) -> String { paths.remotePath(path) }
    package func localPath(_ path: String) -> String { paths.localPath(path) }
    package func namingHost(_ path: String) -> String { paths.namingHost(path) }
    package func makeHostFolder(for path: String) { if !dryRun { paths.makeHostFolder(for: path) } }

    /// Runs a remote step for `command`, its error a failure naming `path`.
    package func call<T>(_ command: String, _ path: String, _ body: () throws -> T) throws(CommandFailure) -> T {
        do {
            return try body()
        } catch {
            throw CommandFailure(error, context: "\(command): \(path)")
        }
    }

    /// The remote paths a wildcard pattern names, sorted; a pattern without wildcards names itself.
    package func expandRemote(_ pattern: String, command: String) throws(CommandFailure) -> [(
        path: String, entry: RemoteEntry?
    )] {
        guard Wildcard.hasWildcards(pattern) else { return [(remotePath(Wildcard.unescape(pattern)), nil)] }
        guard let split = PathRules.splitPattern(pattern) else {
            throw CommandFailure(
                .usage, "\(command): \(pattern): wildcards are only allowed in the last path component")
        }
        let directory = remotePath(split.directory.isEmpty ? "." : split.directory)
        let matcher = Wildcard(split.name)
        let entries = try listRemote(directory, command: command)
        return entries.filter { PathRules.patternMatches(matcher, name: $0.name) }
            .sorted { $0.name < $1.name }
            .map { (PathRules.join(directory, $0.name), $0) }
    }

    // MARK: Downloads

    package func planDownload(_ transfer: Transfer) throws(CommandFailure) -> [TransferJob] {
        transfer.isMultiple ? try planDownloads(transfer) : try planOneDownload(transfer)
    }

    /// `get`/`reget`: one remote file or folder, to the name given or its own.
    private func planOneDownload(_ transfer: Transfer) throws(CommandFailure) -> [TransferJob] {
        let command = transfer.kind.rawValue
        var jobs: [TransferJob] = []
        let source = transfer.sources[0]
        let path = remotePath(source)
        let attributes = try call(command, path) { try files.attributes(path) }
        let name = PathRules.lastComponent(path)
        if let destination = transfer.destination { makeHostFolder(for: destination) }
        var display = transfer.destination.map(namingHost) ?? name
        // A local name the user gave may use `~` and `{host}`; a remote file's own name is only a name.
        var local = transfer.destination.map(localPath) ?? PathRules.join(localDirectory, name)
        // A file goes into a local folder of its name; a folder merges into one (psftp's and sftp's
        // `get -r`, so running it again refreshes the copy), unless the folder named as the target
        // already holds one of that name.
        if let status = LocalStatus(local), status.isDirectory,
            !attributes.isDirectory
                || (transfer.destination != nil && LocalStatus(PathRules.join(local, name)) != nil)
        {
            local = PathRules.join(local, name)
            display = PathRules.join(display, name)
        }
        if attributes.isDirectory {
            guard transfer.recursive else {
                throw CommandFailure(.transfer, "\(command): \(path): is a directory (use \(command) -r)")
            }
            try walkRemote(
                path, into: local, display: display, transfer: transfer, root: DownloadRoot(local),
                jobs: &jobs)
        } else {
            jobs.append(downloadJob(path, local: local, display: display, attributes: attributes, transfer))
        }
        return jobs
    }

    /// `mget`: every match of each pattern, into the local directory under its own name.
    private func planDownloads(_ transfer: Transfer) throws(CommandFailure) -> [TransferJob] {
        let command = transfer.kind.rawValue
        var jobs: [TransferJob] = []
        // Each match's name came from the server's listing: the files stay in the local directory.
        let root = DownloadRoot(localDirectory)
        for pattern in transfer.sources {
            let matches = try expandRemote(pattern, command: command)
            var found = 0
            for match in matches {
                var attributes = match.entry?.attributes
                if attributes == nil || attributes?.isSymbolicLink == true {
                    guard let resolved = try? files.attributes(match.path) else { continue }
                    attributes = resolved
                }
                guard let attributes else { continue }
                found += 1
                let name = PathRules.lastComponent(match.path)
                let local = PathRules.join(localDirectory, name)
                if attributes.isDirectory {
                    if transfer.recursive {
                        try walkRemote(
                            match.path, into: local, display: name, transfer: transfer, root: root,
                            jobs: &jobs)
                    } else {
                        warn("\(command): \(match.path): skipping directory (use \(command) -r)")
                    }
                } else {
                    jobs.append(
                        downloadJob(
                            match.path, local: local, display: name, attributes: attributes, transfer, root: root))
                }
            }
            if found == 0 { warn("warning: \(command): \(pattern): nothing matched") }
        }
        return jobs
    }

    /// The job for one remote file; `root`, when its local name came from the server, is the folder
    /// it must stay inside.
    package func downloadJob(
        _ path: String, local: String, display: String, attributes: RemoteAttributes,
        _ transfer: Transfer, root: DownloadRoot? = nil
    ) -> TransferJob {
        TransferJob(
            remotePath: path, localPath: local, remoteDisplay: path, localDisplay: display, isDownload: true,
            resume: transfer.resume, preserve: transfer.preserve, sourceSize: attributes.size,
            sourcePermissions: attributes.permissions, sourceModificationTime: attributes.modificationTime,
            localRoot: root?.path, verify: transfer.verify)
    }

    /// Folders deeper than this below a recursive download are left out, as OpenSSH's sftp does: a
    /// server that lists a folder inside itself for ever would otherwise never let the walk end.
    package static let maximumDepth = 64

    /// Plans the download of remote folder `path` into `local`, and everything below it, inside `root`;
    /// messages name `command` (the transfer's own by default).
    package func walkRemote(
        _ path: String, into local: String, display: String, transfer: Transfer,
        root: DownloadRoot, depth: Int = 0, command: String? = nil, jobs: inout [TransferJob]
    ) throws(CommandFailure) {
        let command = command ?? transfer.kind.rawValue
        guard depth <= Self.maximumDepth else {
            warn(
                "warning: \(command): \(path): more than \(Self.maximumDepth) folders deep; skipped")
            return
        }
        // The top folder is the one the user named; everything below it is checked before it is made.
        if local != root.path, let reason = root.escape(local) {
            warn("warning: \(command): \(local): refusing to write there: \(reason); skipped")
            return
        }
        if !dryRun, LocalStatus(local)?.isDirectory != true, mkdir(local, 0o777) != 0 {
            throw CommandFailure(
                .transfer, "\(command): " + LocalFileError(path: local, operation: "mkdir").description)
        }
        let entries = try listRemote(path, command: command)
        for entry in entries.sorted(by: { $0.name < $1.name }) {
            let childPath = PathRules.join(path, entry.name)
            var attributes = entry.attributes
            if attributes.isSymbolicLink {
                guard let resolved = try? files.attributes(childPath) else { continue }
                if resolved.isDirectory {
                    warn("\(command): \(childPath): skipping symbolic link to a directory")
                    continue
                }
                attributes = resolved
            }
            let childLocal = PathRules.join(local, entry.name)
            let childDisplay = PathRules.join(display, entry.name)
            if attributes.isDirectory {
                try walkRemote(
                    childPath, into: childLocal, display: childDisplay, transfer: transfer, root: root,
                    depth: depth + 1, command: command, jobs: &jobs)
            } else if attributes.isRegularFile {
                jobs.append(
                    downloadJob(
                        childPath, local: childLocal, display: childDisplay, attributes: attributes, transfer,
                        root: root))
            }
        }
    }

    /// The entries of remote folder `path` whose names are safe to use; each refused name gets a
    /// one-line warning and the rest goes on.
    package func listRemote(_ path: String, command: String) throws(CommandFailure) -> [RemoteEntry] {
        let listing = try call(command, path) { try files.list(path) }
        for refused in listing.refused { warn("warning: \(command): \(refused.warning(in: path))") }
        return listing.entries
    }

    // MARK: Uploads

    package func planUpload(_ transfer: Transfer) throws(CommandFailure) -> [TransferJob] {
        transfer.isMultiple ? try planUploads(transfer) : try planOneUpload(transfer)
    }

    /// `put`/`reput`: one local file or folder, to the name given or its own.
    private func planOneUpload(_ transfer: Transfer) throws(CommandFailure) -> [TransferJob] {
        let command = transfer.kind.rawValue
        var jobs: [TransferJob] = []
        let source = transfer.sources[0]
        let local = localPath(source)
        guard let status = LocalStatus(local) else {
            throw CommandFailure(.transfer, "\(command): \(source): no such file or directory")
        }
        let name = PathRules.lastComponent(local)
        var target = remotePath(transfer.destination ?? name)
        if transfer.destination != nil, (try? files.attributes(target))?.isDirectory == true,
            !status.isDirectory || (try? files.attributes(PathRules.join(target, name))) != nil
        {
            target = PathRules.join(target, name)
        }
        if status.isDirectory {
            guard transfer.recursive else {
                throw CommandFailure(.transfer, "\(command): \(source): is a directory (use \(command) -r)")
            }
            try walkLocal(local, display: source, into: target, transfer: transfer, jobs: &jobs)
        } else {
            jobs.append(uploadJob(local, display: source, remote: target, status: status, transfer))
        }
        return jobs
    }

    /// `mput`: every local match of each pattern, into the remote directory under its own name.
    private func planUploads(_ transfer: Transfer) throws(CommandFailure) -> [TransferJob] {
        let command = transfer.kind.rawValue
        var jobs: [TransferJob] = []
        for pattern in transfer.sources {
            let matches = try localMatches(of: pattern, command: command)
            // Unlike mget's, an mput that finds nothing fails, as psftp's does ("unable to open").
            if matches.isEmpty {
                throw CommandFailure(.transfer, "\(command): local: unable to open \(pattern)")
            }
            for display in matches {
                let local = localPath(display)
                guard let status = LocalStatus(local) else { continue }
                let target = remotePath(PathRules.lastComponent(local))
                if status.isDirectory {
                    if transfer.recursive {
                        try walkLocal(local, display: display, into: target, transfer: transfer, jobs: &jobs)
                    } else {
                        warn("\(command): \(display): skipping directory (use \(command) -r)")
                    }
                } else {
                    jobs.append(uploadJob(local, display: display, remote: target, status: status, transfer))
                }
            }
        }
        return jobs
    }

    /// The local names a pattern matches, as the user would write them, sorted; a name without
    /// wildcards matches itself when it exists.
    private func localMatches(of pattern: String, command: String) throws(CommandFailure) -> [String] {
        guard Wildcard.hasWildcards(pattern) else {
            return LocalStatus(localPath(Wildcard.unescape(pattern))) != nil ? [Wildcard.unescape(pattern)] : []
        }
        guard let split = PathRules.splitPattern(pattern) else {
            throw CommandFailure(
                .usage, "\(command): \(pattern): wildcards are only allowed in the last path component")
        }
        let directory = localPath(split.directory.isEmpty ? "." : split.directory)
        let matcher = Wildcard(split.name)
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        return names.filter { PathRules.patternMatches(matcher, name: $0) }.sorted()
            .map { split.directory.isEmpty ? $0 : PathRules.join(split.directory, $0) }
    }

    package func uploadJob(
        _ local: String, display: String, remote: String, status: LocalStatus,
        _ transfer: Transfer
    ) -> TransferJob {
        TransferJob(
            remotePath: remote, localPath: local, remoteDisplay: remote, localDisplay: display,
            isDownload: false, resume: transfer.resume, preserve: transfer.preserve, sourceSize: status.size,
            sourcePermissions: status.permissions, sourceModificationTime: status.modificationTime,
            verify: transfer.verify)
    }

    package func walkLocal(
        _ local: String, display: String, into target: String, transfer: Transfer,
        jobs: inout [TransferJob]
    ) throws(CommandFailure) {
        let command = transfer.kind.rawValue
        if !dryRun, (try? files.attributes(target))?.isDirectory != true {
            try call(command, target) { try files.makeDirectory(target) }
        }
        let names: [String]
        do {
            names = try FileManager.default.contentsOfDirectory(atPath: local).sorted()
        } catch {
            throw CommandFailure(.transfer, "\(command): \(display): cannot list directory")
        }
        for name in names {
            let childLocal = PathRules.join(local, name)
            guard let status = LocalStatus(childLocal) else { continue }
            let childTarget = PathRules.join(target, name)
            let childDisplay = PathRules.join(display, name)
            if status.isDirectory {
                if LocalStatus(childLocal, followLinks: false)?.isSymbolicLink == true {
                    warn("\(command): \(childDisplay): skipping symbolic link to a directory")
                    continue
                }
                try walkLocal(
                    childLocal, display: childDisplay, into: childTarget, transfer: transfer,
                    jobs: &jobs)
            } else if status.isRegularFile {
                jobs.append(uploadJob(childLocal, display: childDisplay, remote: childTarget, status: status, transfer))
            }
        }
    }

    // MARK: collect

    /// The jobs of `collect`: each match lands at its own remote path under `root`, so the same file
    /// from many hosts never collides.
    package func planCollect(_ patterns: [String], recursive: Bool, into root: DownloadRoot) throws(CommandFailure)
        -> [TransferJob]
    {
        let transfer = Transfer(kind: .mget, sources: patterns, recursive: recursive, preserve: true)
        var jobs: [TransferJob] = []
        for pattern in patterns {
            var found = 0
            for match in try expandRemote(pattern, command: "collect") {
                guard let attributes = (try? files.attributes(match.path)) else { continue }
                found += 1
                // Remote paths are absolute and canonical (patterns are resolved here, names checked
                // where listed), so this stays under the folder by its text; the disk is checked too.
                let local = root.path + match.path
                if let reason = root.escape(local) {
                    warn("warning: collect: \(local): refusing to write there: \(reason); skipped")
                    continue
                }
                try LocalFolder.make(PathRules.parent(local), failing: "collect: cannot create")
                if attributes.isDirectory {
                    guard recursive else {
                        warn("collect: \(match.path): skipping directory (use collect -r)")
                        continue
                    }
                    try walkRemote(
                        match.path, into: local, display: local, transfer: transfer, root: root, command: "collect",
                        jobs: &jobs)
                } else {
                    jobs.append(
                        downloadJob(
                            match.path, local: local, display: local, attributes: attributes, transfer, root: root))
                }
            }
            if found == 0 { throw CommandFailure(.transfer, "collect: \(pattern): nothing matched") }
        }
        return jobs
    }
}
