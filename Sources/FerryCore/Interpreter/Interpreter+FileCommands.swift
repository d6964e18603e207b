import FerryBase
import FerryScript
import FerryTransfer
import FerryTransport
import Foundation

extension Interpreter {
    /// The remote paths `pattern` names: itself when it has no wildcards, else the matches of its last
    /// component in its folder, sorted (psftp matches only the last component).
    func expandRemote(_ pattern: String, command: String) throws(CommandFailure) -> [(
        path: String, entry: RemoteEntry?
    )] {
        let planner = try self.planner(command)
        return try droppingLostConnection { () throws(CommandFailure) in
            try planner.expandRemote(pattern, command: command)
        }
    }

    /// The entries of remote folder `path` whose names are safe to use (see ``TransferPlanner``).
    func listRemote(_ path: String, command: String) throws(CommandFailure) -> [RemoteEntry] {
        let planner = try self.planner(command)
        return try droppingLostConnection { () throws(CommandFailure) in
            try planner.listRemote(path, command: command)
        }
    }

    /// Runs `body` for each item, reporting each failure and failing at the end if any did.
    func eachCollectingFailures<T>(_ items: [T], _ body: (T) throws(CommandFailure) -> Void) throws(CommandFailure) {
        var first: CommandFailure?
        var count = 0
        for item in items {
            do {
                try body(item)
            } catch {
                if first == nil {
                    first = error
                } else {
                    console.report(error.message)
                }
                count += 1
                if error.failureClass == .connection { break }
            }
        }
        if let first {
            if count > 1 { console.report(first.message) }
            throw count > 1 ? CommandFailure(first.failureClass, "\(count) of \(items.count) operations failed") : first
        }
    }

    /// The matches of every pattern; a pattern matching nothing is a failure for `rm`, `chmod` and `mv`.
    func expandAll(_ patterns: [String], command: String) throws(CommandFailure) -> [(
        path: String, entry: RemoteEntry?
    )] {
        var all: [(path: String, entry: RemoteEntry?)] = []
        for pattern in patterns {
            let matches = try expandRemote(pattern, command: command)
            if matches.isEmpty { throw CommandFailure(.transfer, "\(command): \(pattern): nothing matched") }
            all += matches
        }
        return all
    }

    /// `mkdir dir…`.
    func makeDirectories(_ paths: [String]) throws(CommandFailure) {
        let sftp = try sftp("mkdir")
        try eachCollectingFailures(paths.map(remotePath)) { (path) throws(CommandFailure) in
            try remote(
                "mkdir", path,
                explainFailure: {
                    (try? sftp.attributes(path, followLinks: false)) != nil ? "file already exists" : nil
                }
            ) { try sftp.makeDirectory(path) }
            console.print("mkdir \(path): OK")
        }
    }

    /// `rmdir dir…`.
    func removeDirectories(_ paths: [String]) throws(CommandFailure) {
        let sftp = try sftp("rmdir")
        try eachCollectingFailures(paths.map(remotePath)) { (path) throws(CommandFailure) in
            try remote(
                "rmdir", path,
                explainFailure: {
                    guard let listing = try? sftp.list(path) else { return nil }
                    return listing.entries.isEmpty && listing.refused.isEmpty ? nil : "directory not empty"
                }
            ) { try sftp.removeDirectory(path) }
            console.print("rmdir \(path): OK")
        }
    }

    /// `rm file…`.
    func removeFiles(_ patterns: [String]) throws(CommandFailure) {
        let sftp = try sftp("rm")
        let matches = try expandAll(patterns, command: "rm")
        try eachCollectingFailures(matches) { (match) throws(CommandFailure) in
            try remote("rm", match.path) { try sftp.removeFile(match.path) }
            console.print("rm \(match.path): OK")
        }
    }

    /// `mv source… destination`.
    func move(_ sources: [String], to destination: String) throws(CommandFailure) {
        let sftp = try sftp("mv")
        let matches = try expandAll(sources, command: "mv")
        let target = remotePath(destination)
        let targetIsDirectory = (try? sftp.attributes(target))?.isDirectory ?? false
        if matches.count > 1, !targetIsDirectory {
            throw CommandFailure(.transfer, "mv: \(target): not a directory (needed for several sources)")
        }
        try eachCollectingFailures(matches) { (match) throws(CommandFailure) in
            let to = targetIsDirectory ? PathRules.join(target, PathRules.lastComponent(match.path)) : target
            let existing = try? sftp.attributes(to, followLinks: false)
            if let existing, existing.isDirectory {
                throw CommandFailure(.transfer, "mv: \(to): a directory is in the way")
            }
            if existing == nil {
                try remote("mv", match.path) { try sftp.rename(match.path, to: to) }
            } else {
                // SFTP version 3 cannot rename over a file: it is replaced as an upload replaces one (old
                // file aside, rename, old file removed; put back on failure), so a switch is one step.
                try droppingLostConnection { () throws(CommandFailure) in
                    try FileTransfer.replace(to, with: match.path, sftp: sftp)
                }
            }
            console.print("\(match.path) -> \(to)")
        }
    }

    /// `chmod mode file…`.
    func changeMode(_ mode: FileMode, _ patterns: [String]) throws(CommandFailure) {
        let sftp = try sftp("chmod")
        let matches = try expandAll(patterns, command: "chmod")
        try eachCollectingFailures(matches) { (match) throws(CommandFailure) in
            let current = try remote("chmod", match.path) { try sftp.attributes(match.path) }
            let old = (current.permissions ?? 0) & 0o7777
            let new = mode.applied(to: old)
            try remote("chmod", match.path) {
                try sftp.setAttributes(match.path, RemoteAttributes(permissions: new))
            }
            console.print("\(match.path): \(Self.octal(old)) -> \(Self.octal(new))")
        }
    }

    static func octal(_ value: UInt32) -> String {
        let text = String(value, radix: 8)
        return String(repeating: "0", count: max(0, 4 - text.count)) + text
    }

    /// `! command`: runs the rest of the line with /bin/sh in the local working directory.
    func runLocal(_ commandLine: String) throws(CommandFailure) {
        let end: LocalCommand.End
        do {
            end = try LocalCommand.run(commandLine, in: localDirectory, cancellation: settings.cancellation)
        } catch {
            throw CommandFailure(.command, "!: cannot run /bin/sh: \(error)")
        }
        switch end {
        case .exited(0): break
        case .exited(let code): throw CommandFailure(.command, "!: '\(commandLine)' exited with status \(code)")
        case .signalled(let signal) where signal == SIGINT || signal == settings.cancellation.terminationSignal:
            throw CommandFailure.interrupted("!: '\(commandLine)'")
        case .signalled(let signal): throw CommandFailure(.command, "!: '\(commandLine)' killed by signal \(signal)")
        }
    }
}
