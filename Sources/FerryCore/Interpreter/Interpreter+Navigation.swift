import FerryBase
import FerryScript
import FerryTransfer
import FerryTransport
import Foundation

extension Interpreter {
    /// `cd [dir]`.
    func changeRemoteDirectory(_ path: String?) throws(CommandFailure) {
        let sftp = try sftp("cd")
        guard let path else {
            remoteDirectory = remoteHome
            console.print("Remote directory is now \(remoteDirectory)")
            return
        }
        let target = remotePath(path)
        let attributes = try remote("cd", target) { try sftp.attributes(target) }
        guard attributes.isDirectory else { throw CommandFailure(.transfer, "cd: \(target): not a directory") }
        do {
            remoteDirectory = try sftp.realPath(target)
        } catch let error as SuspiciousPathError {
            throw CommandFailure(.transfer, "cd: \(target): \(error)")
        } catch {
            remoteDirectory = target
        }
        console.print("Remote directory is now \(remoteDirectory)")
    }

    /// `lcd dir`.
    func changeLocalDirectory(_ path: String) throws(CommandFailure) {
        let target = localPath(path)
        if pathHostLabel != nil, path.contains("{host}") {
            // A folder per host is made on demand, so `lcd out/{host}` just works.
            try? FileManager.default.createDirectory(atPath: target, withIntermediateDirectories: true)
        }
        guard let status = LocalStatus(target) else {
            throw CommandFailure(.transfer, "lcd: \(target): no such file or directory")
        }
        guard status.isDirectory else { throw CommandFailure(.transfer, "lcd: \(target): not a directory") }
        guard access(target, X_OK) == 0 else { throw CommandFailure(.transfer, "lcd: \(target): permission denied") }
        localDirectory = target
        console.print("New local directory is \(localDirectory)")
    }

    /// `ls`/`dir [-1] [dir-or-pattern]`.
    func listDirectory(_ list: List) throws(CommandFailure) {
        let sftp = try sftp("ls")
        var directory = remoteDirectory
        var filter: Wildcard?
        if let path = list.path {
            let target = remotePath(path)
            if Wildcard.hasWildcards(PathRules.lastComponent(path)) {
                guard let split = PathRules.splitPattern(path) else {
                    throw CommandFailure(.usage, "ls: \(path): wildcards are only allowed in the last path component")
                }
                directory = remotePath(split.directory.isEmpty ? "." : split.directory)
                filter = Wildcard(split.name)
            } else {
                let attributes = try remote("ls", target) { try sftp.attributes(target) }
                if !attributes.isDirectory {
                    let entries = try listRemote(PathRules.parent(target), command: "ls")
                    let name = PathRules.lastComponent(target)
                    for entry in entries where entry.name == name { console.print(line(for: entry, long: list.long)) }
                    return
                }
                directory = target
            }
        }
        let entries = try listRemote(directory, command: "ls")
        console.print("Listing directory \(directory)")
        for entry in entries.sorted(by: { $0.name < $1.name }) {
            if let filter, !PathRules.patternMatches(filter, name: entry.name) { continue }
            console.print(line(for: entry, long: list.long))
        }
    }

    private func line(for entry: RemoteEntry, long: Bool) -> String {
        if !long { return entry.name }
        return entry.longName.isEmpty
            ? LongListing.line(name: entry.name, attributes: entry.attributes)
            : entry.longName
    }

    /// `help [command]`.
    func help(_ topic: String?) throws(CommandFailure) {
        guard let topic else {
            // Aliases stand beside their command, so `ls` or `exit` users find theirs in the list.
            let names = CommandSpec.all.map { ([$0.name] + $0.aliases).joined(separator: ", ") }
            let width = names.map(\.count).max() ?? 8
            for (spec, name) in zip(CommandSpec.all, names) {
                console.print("\(name.padding(toLength: width, withPad: " ", startingAt: 0))  \(spec.summary)")
            }
            console.print("Prefix a line with '-' to let it fail without stopping the script.")
            return
        }
        guard let spec = CommandSpec.named(topic) else {
            var message = "help: unknown command '\(topic)'"
            if let guess = ScriptParser.suggestion(for: topic) { message += " (did you mean '\(guess)'?)" }
            throw CommandFailure(.usage, message)
        }
        console.print("\(spec.name): \(spec.summary)")
        console.print("usage: \(spec.usage)")
        if !spec.aliases.isEmpty { console.print("also: \(spec.aliases.joined(separator: ", "))") }
        if !spec.details.isEmpty { console.print(spec.details) }
    }
}

/// `ls -l` lines for servers that send no long name of their own.
enum LongListing {
    static func line(name: String, attributes: RemoteAttributes) -> String {
        let permissions = attributes.permissions ?? 0
        let type: Character = attributes.isDirectory ? "d" : attributes.isSymbolicLink ? "l" : "-"
        var mode = String(type)
        let symbols: [Character] = ["r", "w", "x"]
        for shift in stride(from: 6, through: 0, by: -3) {
            for bit in 0..<3 {
                mode.append(permissions >> UInt32(shift + 2 - bit) & 1 == 1 ? symbols[bit] : "-")
            }
        }
        let size = String(attributes.size ?? 0)
        let date =
            attributes.modificationTime.map {
                let formatter = DateFormatter()
                formatter.dateFormat = "MMM dd HH:mm"
                formatter.locale = Locale(identifier: "en_US_POSIX")
                return formatter.string(from: Date(timeIntervalSince1970: TimeInterval($0)))
            } ?? "            "
        let owner = attributes.uid.map(String.init) ?? "?"
        let group = attributes.gid.map(String.init) ?? "?"
        return "\(mode)    ? \(owner.padding(toLength: 8, withPad: " ", startingAt: 0)) "
            + "\(group.padding(toLength: 8, withPad: " ", startingAt: 0)) "
            + "\(String(repeating: " ", count: max(0, 12 - size.count)))\(size) \(date) \(name)"
    }
}
