import FerryBase
import FerryScript
import FerryTransport
import Foundation

extension Interpreter {
    /// `get`, `put`, `mget`, `mput`, `reget`, `reput`.
    func runTransfer(_ transfer: Transfer) throws(CommandFailure) -> CommandOutcome {
        let command = transfer.kind.rawValue
        let sftp = try sftp(command)
        let jobs = transfer.isDownload ? try planDownload(transfer, sftp: sftp) : try planUpload(transfer, sftp: sftp)
        if jobs.isEmpty { return CommandOutcome() }
        return try execute(jobs, command: command)
    }

    /// Runs the jobs, on extra connections when there are many, printing each result in order.
    func execute(_ jobs: [TransferJob], command: String) throws(CommandFailure) -> CommandOutcome {
        let sftp = try sftp(command)
        var outcomes: [TransferOutcome] = []
        let report: (Int, TransferOutcome) -> Void = { index, outcome in
            self.console.endProgress()
            let job = jobs[index]
            if let failure = outcome.failure {
                // One line for a cancellation, at the end, rather than one per file.
                if failure.failureClass != .interrupted { self.console.report("\(command): \(failure.message)") }
            } else {
                if let start = outcome.resumedAt {
                    self.console.print("\(command): restarting at file position \(start)")
                }
                self.console.print(job.doneLine)
                if let warning = outcome.warning {
                    self.console.report("warning: \(command): \(job.remoteDisplay): \(warning)")
                }
            }
            outcomes.append(outcome)
        }
        if jobs.count >= TransferPool.minimumJobs, settings.transferConnections > 1, let connection {
            if pool == nil {
                pool = TransferPool(
                    recipe: connection.recipe, extraConnections: settings.transferConnections - 1,
                    cancellation: settings.cancellation, log: settings.connect.log)
            }
            pool?.run(jobs, mainClient: sftp, buffer: buffer, console: console, report: report)
        } else {
            for (index, job) in jobs.enumerated() {
                let name = job.isDownload ? job.remoteDisplay : job.localDisplay
                let total = job.sourceSize
                let progress: (UInt64) -> Void = {
                    self.console.progress(TransferProgress(name: name, bytes: $0, total: total))
                }
                var outcome: TransferOutcome
                do {
                    outcome =
                        job.isDownload
                        ? try FileTransfer.download(
                            job, sftp: sftp, buffer: buffer, cancellation: settings.cancellation,
                            progress: progress)
                        : try FileTransfer.upload(
                            job, sftp: sftp, buffer: buffer, cancellation: settings.cancellation,
                            progress: progress)
                } catch {
                    outcome = TransferOutcome(failure: error)
                }
                report(index, outcome)
                if let failure = outcome.failure, [.connection, .interrupted].contains(failure.failureClass) { break }
            }
        }
        let failures = outcomes.compactMap(\.failure)
        let done = CommandOutcome(
            files: outcomes.count { $0.failure == nil }, bytes: outcomes.reduce(0) { $0 + $1.bytes })
        if failures.contains(where: { $0.failureClass == .interrupted }) {
            throw CommandFailure(
                .interrupted,
                "\(command): interrupted" + (jobs.count > 1 ? " (\(done.files) of \(jobs.count) files done)" : "")
            ).having(done)
        }
        if let first = failures.first {
            if first.failureClass == .connection { dropConnection() }
            if jobs.count == 1 { throw CommandFailure(first.failureClass, "\(command): \(first.message)").having(done) }
            throw CommandFailure(first.failureClass, "\(command): \(failures.count) of \(jobs.count) files failed")
                .having(done)
        }
        return done
    }

    // MARK: Downloads

    func planDownload(_ transfer: Transfer, sftp: SFTPClient) throws(CommandFailure) -> [TransferJob] {
        let command = transfer.kind.rawValue
        var jobs: [TransferJob] = []
        if !transfer.isMultiple {
            let source = transfer.sources[0]
            let path = remotePath(source)
            let attributes = try remote(command, path) { try sftp.attributes(path) }
            let name = PathRules.lastComponent(path)
            if let destination = transfer.destination { makeHostFolder(for: destination) }
            var display = transfer.destination.map(namingHost) ?? name
            // A local name the user gave may use `~` and `{host}`; a remote file's own name is only a name.
            var local = transfer.destination.map(localPath) ?? PathRules.join(localDirectory, name)
            if let status = LocalStatus(local), status.isDirectory,
                !attributes.isDirectory || transfer.destination == nil
                    || LocalStatus(PathRules.join(local, name)) != nil
            {
                local = PathRules.join(local, name)
                display = PathRules.join(display, name)
            }
            if attributes.isDirectory {
                guard transfer.recursive else {
                    throw CommandFailure(.transfer, "\(command): \(path): is a directory (use \(command) -r)")
                }
                try walkRemote(
                    path, into: local, display: display, transfer: transfer, sftp: sftp, root: DownloadRoot(local),
                    jobs: &jobs)
            } else {
                jobs.append(downloadJob(path, local: local, display: display, attributes: attributes, transfer))
            }
            return jobs
        }
        // Each match's name came from the server's listing: the files stay in the local directory.
        let root = DownloadRoot(localDirectory)
        for pattern in transfer.sources {
            let matches = try expandRemote(pattern, command: command)
            var found = 0
            for match in matches {
                var attributes = match.entry?.attributes
                if attributes == nil || attributes?.isSymbolicLink == true {
                    guard let resolved = try? sftp.attributes(match.path) else { continue }
                    attributes = resolved
                }
                guard let attributes else { continue }
                found += 1
                let name = PathRules.lastComponent(match.path)
                let local = PathRules.join(localDirectory, name)
                if attributes.isDirectory {
                    if transfer.recursive {
                        try walkRemote(
                            match.path, into: local, display: name, transfer: transfer, sftp: sftp, root: root,
                            jobs: &jobs)
                    } else {
                        console.report("\(command): \(match.path): skipping directory (use \(command) -r)")
                    }
                } else {
                    jobs.append(
                        downloadJob(
                            match.path, local: local, display: name, attributes: attributes, transfer, root: root))
                }
            }
            if found == 0 { console.report("warning: \(command): \(pattern): nothing matched") }
        }
        return jobs
    }

    /// The job for one remote file; `root`, when its local name came from the server, is the folder
    /// it must stay inside.
    func downloadJob(
        _ path: String, local: String, display: String, attributes: RemoteAttributes,
        _ transfer: Transfer, root: DownloadRoot? = nil
    ) -> TransferJob {
        TransferJob(
            remotePath: path, localPath: local, remoteDisplay: path, localDisplay: display, isDownload: true,
            resume: transfer.resume, preserve: transfer.preserve, sourceSize: attributes.size,
            sourcePermissions: attributes.permissions, sourceModificationTime: attributes.modificationTime,
            localRoot: root?.path)
    }

    /// Folders deeper than this below a recursive download are left out, as OpenSSH's sftp does: a
    /// server that lists a folder inside itself for ever would otherwise never let the walk end.
    static let maximumDepth = 64

    /// Plans the download of remote folder `path` into `local`, and everything below it, inside `root`;
    /// messages name `command` (the transfer's own by default).
    func walkRemote(
        _ path: String, into local: String, display: String, transfer: Transfer, sftp: SFTPClient,
        root: DownloadRoot, depth: Int = 0, command: String? = nil, jobs: inout [TransferJob]
    ) throws(CommandFailure) {
        let command = command ?? transfer.kind.rawValue
        guard depth <= Self.maximumDepth else {
            console.report(
                "warning: \(command): \(path): more than \(Self.maximumDepth) folders deep; skipped")
            return
        }
        // The top folder is the one the user named; everything below it is checked before it is made.
        if local != root.path, let reason = root.escape(local) {
            console.report("warning: \(command): \(local): refusing to write there: \(reason); skipped")
            return
        }
        if LocalStatus(local)?.isDirectory != true, mkdir(local, 0o777) != 0 {
            throw CommandFailure(
                .transfer, "\(command): " + LocalFileError(path: local, operation: "mkdir").description)
        }
        let entries = try listRemote(path, command: command)
        for entry in entries.sorted(by: { $0.name < $1.name }) {
            let childPath = PathRules.join(path, entry.name)
            var attributes = entry.attributes
            if attributes.isSymbolicLink {
                guard let resolved = try? sftp.attributes(childPath) else { continue }
                if resolved.isDirectory {
                    console.report("\(command): \(childPath): skipping symbolic link to a directory")
                    continue
                }
                attributes = resolved
            }
            let childLocal = PathRules.join(local, entry.name)
            let childDisplay = PathRules.join(display, entry.name)
            if attributes.isDirectory {
                try walkRemote(
                    childPath, into: childLocal, display: childDisplay, transfer: transfer, sftp: sftp, root: root,
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
    func listRemote(_ path: String, command: String) throws(CommandFailure) -> [RemoteEntry] {
        let sftp = try sftp(command)
        let listing = try remote(command, path) { try sftp.list(path) }
        for refused in listing.refused { console.report("warning: \(command): \(refused.warning(in: path))") }
        return listing.entries
    }

    // MARK: Uploads

    func planUpload(_ transfer: Transfer, sftp: SFTPClient) throws(CommandFailure) -> [TransferJob] {
        let command = transfer.kind.rawValue
        var jobs: [TransferJob] = []
        if !transfer.isMultiple {
            let source = transfer.sources[0]
            let local = localPath(source)
            guard let status = LocalStatus(local) else {
                throw CommandFailure(.transfer, "\(command): \(source): no such file or directory")
            }
            let name = PathRules.lastComponent(local)
            var target = remotePath(transfer.destination ?? name)
            if transfer.destination != nil, (try? sftp.attributes(target))?.isDirectory == true,
                !status.isDirectory || (try? sftp.attributes(PathRules.join(target, name))) != nil
            {
                target = PathRules.join(target, name)
            }
            if status.isDirectory {
                guard transfer.recursive else {
                    throw CommandFailure(.transfer, "\(command): \(source): is a directory (use \(command) -r)")
                }
                try walkLocal(local, display: source, into: target, transfer: transfer, sftp: sftp, jobs: &jobs)
            } else {
                jobs.append(uploadJob(local, display: source, remote: target, status: status, transfer))
            }
            return jobs
        }
        for pattern in transfer.sources {
            var matches: [String] = []
            if Wildcard.hasWildcards(pattern) {
                guard let split = PathRules.splitPattern(pattern) else {
                    throw CommandFailure(
                        .usage,
                        "\(command): \(pattern): wildcards are only allowed in the last path"
                            + " component")
                }
                let directory = localPath(split.directory.isEmpty ? "." : split.directory)
                let matcher = Wildcard(split.name)
                let names = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
                matches = names.filter { PathRules.patternMatches(matcher, name: $0) }.sorted()
                    .map { split.directory.isEmpty ? $0 : PathRules.join(split.directory, $0) }
            } else if LocalStatus(localPath(Wildcard.unescape(pattern))) != nil {
                matches = [Wildcard.unescape(pattern)]
            }
            if matches.isEmpty { console.report("warning: \(command): \(pattern): nothing matched") }
            for display in matches {
                let local = localPath(display)
                guard let status = LocalStatus(local) else { continue }
                let target = remotePath(PathRules.lastComponent(local))
                if status.isDirectory {
                    if transfer.recursive {
                        try walkLocal(
                            local, display: display, into: target, transfer: transfer, sftp: sftp, jobs: &jobs)
                    } else {
                        console.report("\(command): \(display): skipping directory (use \(command) -r)")
                    }
                } else {
                    jobs.append(uploadJob(local, display: display, remote: target, status: status, transfer))
                }
            }
        }
        return jobs
    }

    private func uploadJob(
        _ local: String, display: String, remote: String, status: LocalStatus,
        _ transfer: Transfer
    ) -> TransferJob {
        TransferJob(
            remotePath: remote, localPath: local, remoteDisplay: remote, localDisplay: display,
            isDownload: false, resume: transfer.resume, preserve: transfer.preserve, sourceSize: status.size,
            sourcePermissions: status.permissions, sourceModificationTime: status.modificationTime)
    }

    private func walkLocal(
        _ local: String, display: String, into target: String, transfer: Transfer,
        sftp: SFTPClient, jobs: inout [TransferJob]
    ) throws(CommandFailure) {
        let command = transfer.kind.rawValue
        if (try? sftp.attributes(target))?.isDirectory != true {
            try remote(command, target) { try sftp.makeDirectory(target) }
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
                    console.report("\(command): \(childDisplay): skipping symbolic link to a directory")
                    continue
                }
                try walkLocal(
                    childLocal, display: childDisplay, into: childTarget, transfer: transfer, sftp: sftp,
                    jobs: &jobs)
            } else if status.isRegularFile {
                jobs.append(uploadJob(childLocal, display: childDisplay, remote: childTarget, status: status, transfer))
            }
        }
    }
}
