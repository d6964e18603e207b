import FerryApp
import FerrySessions
import Foundation

/// What the shell completions offer, worked out by the binary when the shell asks
/// (swift-argument-parser calls back with the words typed so far).
extension Ferry {
    /// The saved sessions' names (Ferry's, with the `--sessions` folder typed earlier on the line
    /// first, then the hosts `~/.ssh/config` names literally), for `-load`.
    static func savedSessionNames(words: [String]) -> [String] {
        let environment = ProcessInfo.processInfo.environment
        let home = environment["HOME"] ?? NSHomeDirectory()
        var names = ProfileStore(
            explicit: value(of: "--sessions", in: words).map { expandingTilde($0, home: home) },
            environment: environment, currentDirectory: FileManager.default.currentDirectoryPath,
            home: home
        ).list().map(\.name)
        for host in SSHConfig(path: home + "/.ssh/config").literalHosts where !names.contains(host) {
            names.append(host)
        }
        return names
    }

    /// The hosts a target may name: saved sessions and the hosts of the `--hosts` file typed earlier on
    /// the line.
    static func completableHosts(words: [String]) -> [String] {
        var names = savedSessionNames(words: words)
        for entry in hostsFileEntries(words: words) where !names.contains(entry.name) {
            names.append(entry.name)
        }
        return names
    }

    /// The entries of the hosts file named by `--hosts FILE` or `--hosts=FILE` among `words`; none when
    /// it is missing or unreadable.
    static func hostsFileEntries(words: [String]) -> [FleetTarget] {
        guard let file = value(of: "--hosts", in: words), !file.isEmpty else { return [] }
        let path = expandingTilde(file, home: ProcessInfo.processInfo.environment["HOME"] ?? NSHomeDirectory())
        guard let data = FileManager.default.contents(atPath: path) else { return [] }
        return FleetTarget.parseHostsFile(String(decoding: data, as: UTF8.self), file: path).targets
    }

    /// The tags of the `--hosts` file typed earlier on the line, each once, for `--group`.
    static func hostsFileTags(words: [String]) -> [String] {
        var tags: [String] = []
        for tag in hostsFileEntries(words: words).flatMap(\.tags) where !tags.contains(tag) { tags.append(tag) }
        return tags
    }

    /// The last value given to `option` among `words`, as `option VALUE` or `option=VALUE`.
    static func value(of option: String, in words: [String]) -> String? {
        var found: String?
        for (index, word) in words.enumerated() {
            if word == option, index + 1 < words.count {
                found = words[index + 1]
            } else if word.hasPrefix(option + "=") {
                found = String(word.dropFirst(option.count + 1))
            }
        }
        return found
    }

    /// `path` with a leading `~/` made absolute, as the shell would have done once the line runs.
    static func expandingTilde(_ path: String, home: String) -> String {
        path.hasPrefix("~/") ? home + path.dropFirst() : path
    }
}
