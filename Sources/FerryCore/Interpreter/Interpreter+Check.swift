import FerryBase
import FerryScript
import FerryTransfer
import FerryTransport
import Foundation

extension Interpreter {
    /// `--check`: what `command` would meet, without changing anything on either side. Reads are
    /// real (`cd`, `lcd` and listings move and look as they would); every change is only looked at:
    /// what a download reads exists and opens, what an upload writes into is a folder this login can
    /// write, there is room on the disk that receives, and commands that act (`run`, `!`) are said.
    func check(_ command: Command) throws(CommandFailure) -> CommandOutcome {
        // A real run's transfers need SFTP: the check starts it on every host, whatever the script.
        if connection != nil { _ = try sftp("check") }
        switch command {
        case .bye: return CommandOutcome(flow: .quit)
        case .help, .pwd, .lpwd: break
        case .open: console.print("check: would connect")
        case .close: console.print("check: would close the connection")
        case .cd(let path): try changeRemoteDirectory(path)
        case .lcd(let path):
            let target = localPath(path)
            if pathHostLabel != nil, path.contains("{host}"), LocalStatus(target) == nil {
                // A run makes a host's folder on demand; a check only sees that it could.
                let folder = try Self.existingLocalFolder(above: target + "/x", command: "lcd")
                if access(folder, W_OK) != 0 {
                    throw CommandFailure(.transfer, "lcd: \(folder): cannot write there (permission denied)")
                }
                localDirectory = target
            } else {
                try changeLocalDirectory(path)
            }
        case .ls(let list): _ = try expect("ls", [list.path ?? "."])
        case .transfer(let transfer): try checkTransfer(transfer)
        case .collect(let patterns, _): try checkReadable("collect", try expect("collect", patterns))
        case .mkdir(let paths):
            for path in paths {
                let target = self.paths.remotePath(path)
                if (try? sftp("mkdir").attributes(target, followLinks: false)) != nil {
                    throw CommandFailure(.transfer, "mkdir: \(target): already exists")
                }
                try checkWritableFolder("mkdir", PathRules.parent(target))
            }
        case .rmdir(let paths): _ = try expect("rmdir", paths)
        case .rm(let patterns): _ = try expect("rm", patterns)
        case .chmod(_, let patterns): _ = try expect("chmod", patterns)
        case .mv(let sources, let destination):
            _ = try expect("mv", sources)
            let target = self.paths.remotePath(destination)
            let isFolder = (try? sftp("mv").attributes(target))?.isDirectory == true
            try checkWritableFolder("mv", isFolder ? target : PathRules.parent(target))
        case .local(let commandLine): console.print("check: would run locally: \(commandLine)")
        case .run(let run): console.print("check: would run: \(run.command)")
        case .pingMTU(let request): console.print("check: would run ping-mtu \(request.target)")
        case .mirror(let mirror): return try runMirror(mirror, dryRun: true)
        case .barrier: break
        case .bwlimit(let caps): capTransfers(caps)
        case .verify(let remote, _):
            try checkReadable("verify", try expect("verify", [remote]))
            try requireDigests("verify", sftp: try sftp("verify"))
        }
        return CommandOutcome()
    }

    /// The remote paths `patterns` name; a pattern that names nothing fails as the command would.
    private func expect(_ command: String, _ patterns: [String]) throws(CommandFailure) -> [String] {
        let planner = try self.planner(command)
        var found: [String] = []
        for pattern in patterns {
            let matches = try planner.expandRemote(pattern, command: command)
            let existing = matches.filter { (try? planner.files.attributes($0.path, followLinks: false)) != nil }
            if existing.isEmpty {
                throw CommandFailure(.transfer, "\(command): \(pattern): no such file or directory")
            }
            found += existing.map(\.path)
        }
        return found
    }

    /// Fails unless every regular file among `paths` opens for reading.
    private func checkReadable(_ command: String, _ paths: [String]) throws(CommandFailure) {
        let files = try sftp(command)
        for path in paths where (try? files.attributes(path))?.isRegularFile == true {
            do {
                try files.openFile(path, .read).close()
            } catch {
                throw CommandFailure(error, context: "\(command): \(path): cannot read")
            }
        }
    }

    private func checkTransfer(_ transfer: Transfer) throws(CommandFailure) {
        let command = transfer.kind.rawValue
        var planner = try self.planner(command)
        planner.dryRun = true
        if transfer.verify || settings.verify || facts.verify { try requireDigests(command, sftp: try sftp(command)) }
        if transfer.isDownload {
            let jobs = try planner.planDownload(transfer)
            try checkReadable(command, jobs.map(\.remotePath))
            var needed: [String: UInt64] = [:]
            for job in jobs {
                let folder = try Self.existingLocalFolder(above: job.localPath, command: command)
                if access(folder, W_OK) != 0 {
                    throw CommandFailure(.transfer, "\(command): \(folder): cannot write there (permission denied)")
                }
                needed[folder, default: 0] += job.sourceSize ?? 0
            }
            for (folder, bytes) in needed {
                if let free = LocalStatus.freeSpace(in: folder), free < bytes {
                    throw CommandFailure(
                        .transfer, "\(command): \(folder): not enough room on the local disk for \(bytes) bytes")
                }
            }
        } else {
            let jobs = try planner.planUpload(transfer)
            // Each folder is looked at once, however many files go into it.
            var folderOf: [String: String] = [:]
            var needed: [String: UInt64] = [:]
            for job in jobs {
                let parent = PathRules.parent(job.remotePath)
                let folder: String
                if let known = folderOf[parent] {
                    folder = known
                } else {
                    folder = try existingRemoteFolder(above: job.remotePath, command: command)
                    folderOf[parent] = folder
                    if needed[folder] == nil { try checkWritableFolder(command, folder) }
                }
                needed[folder, default: 0] += job.sourceSize ?? 0
            }
            let files = try sftp(command)
            for (folder, bytes) in needed {
                if let free = files.freeSpace(folder), free < bytes {
                    throw CommandFailure(
                        .transfer, "\(command): \(folder): not enough room on the remote disk for \(bytes) bytes")
                }
            }
        }
    }

    /// The nearest folder at or above `path`'s folder that exists here (what `get -r` would make
    /// below it does not exist yet).
    private static func existingLocalFolder(above path: String, command: String) throws(CommandFailure) -> String {
        var folder = PathRules.parent(path)
        while !folder.isEmpty, LocalStatus(folder)?.isDirectory != true {
            if LocalStatus(folder) != nil {
                throw CommandFailure(.transfer, "\(command): \(folder): not a folder")
            }
            folder = PathRules.parent(folder)
        }
        return folder.isEmpty ? "." : folder
    }

    /// The same on the remote side.
    private func existingRemoteFolder(above path: String, command: String) throws(CommandFailure) -> String {
        let files = try sftp(command)
        var folder = PathRules.parent(path)
        while folder != "/", !folder.isEmpty {
            if let found = try? files.attributes(folder) {
                if found.isDirectory { return folder }
                throw CommandFailure(.transfer, "\(command): \(folder): not a folder")
            }
            folder = PathRules.parent(folder)
        }
        return "/"
    }

    /// Fails unless `folder` is a remote folder this login can most likely write into. SFTP cannot
    /// ask the server, so this reads the folder's owner and mode against the login's own user, the
    /// owner of its home folder (root writes anywhere; group membership is not known, so a folder
    /// writable only through a group counts as writable).
    private func checkWritableFolder(_ command: String, _ folder: String) throws(CommandFailure) {
        let files = try sftp(command)
        let found: RemoteAttributes
        do {
            found = try files.attributes(folder)
        } catch {
            throw CommandFailure(error, context: "\(command): \(folder)")
        }
        guard found.isDirectory else { throw CommandFailure(.transfer, "\(command): \(folder): not a folder") }
        let me = (try? files.attributes(remoteHome))?.uid
        let mode = found.permissions ?? 0o777
        let writable =
            me == 0 || (found.uid == me && mode & 0o200 != 0) || (found.uid != me && mode & 0o022 != 0)
        if !writable {
            throw CommandFailure(.transfer, "\(command): \(folder): cannot write there (permission denied)")
        }
    }
}
