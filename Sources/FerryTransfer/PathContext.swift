import FerryBase
import FerryScript
import Foundation

/// Where relative paths start on each side, and the host a `{host}` in a local path names: path
/// resolution without touching any file system, except ``makeHostFolder(for:)``, which says so.
package struct PathContext {
    /// The remote working directory, absolute.
    package var remoteDirectory: String
    /// The local working directory, absolute.
    package var localDirectory: String
    /// The host's name in a run over many hosts (what `{host}` stands for); nil otherwise.
    package var hostLabel: String?
    /// The home folder a leading `~` stands for.
    package var home: String

    /// Creates a value from its parts.
    package init(
        remoteDirectory: String, localDirectory: String, hostLabel: String? = nil, home: String
    ) {
        self.remoteDirectory = remoteDirectory
        self.localDirectory = localDirectory
        self.hostLabel = hostLabel
        self.home = home
    }

    /// `path` with `{host}` replaced by this host's name, in a run over many hosts.
    package func namingHost(_ path: String) -> String {
        guard let hostLabel, path.contains("{host}") else { return path }
        return path.replacingOccurrences(of: "{host}", with: PathRules.safeComponent(hostLabel))
    }

    /// A local path made absolute against the local working directory, `~` and `{host}` named.
    package func localPath(_ path: String) -> String {
        PathRules.resolve(resolvingHome(namingHost(path)), in: localDirectory)
    }

    /// A remote path made absolute against the remote working directory.
    package func remotePath(_ path: String) -> String { PathRules.resolve(path, in: remoteDirectory) }

    /// `path` with a leading `~` replaced by the home folder.
    package func resolvingHome(_ path: String) -> String {
        guard path == "~" || path.hasPrefix("~/") else { return path }
        return home + path.dropFirst()
    }

    /// Makes the folder named after this host in a destination the user gave (`{host}/data.bin`), so
    /// one script can write each host's files apart. The last component naming the host is the file
    /// itself; the folder is made only where it stays under the folder the path names before it.
    package func makeHostFolder(for path: String) {
        guard let hostLabel, path.contains("{host}") else { return }
        let components = path.split(separator: "/", omittingEmptySubsequences: false)
        guard let last = components.lastIndex(where: { $0.contains("{host}") }), last + 1 < components.count,
            let first = components.firstIndex(where: { $0.contains("{host}") })
        else { return }
        let name = PathRules.safeComponent(hostLabel)
        let folder = components[...last].joined(separator: "/").replacingOccurrences(of: "{host}", with: name)
        let above = components[..<first].joined(separator: "/")
        let made = PathRules.resolve(resolvingHome(folder), in: localDirectory)
        if DownloadRoot(PathRules.resolve(resolvingHome(above), in: localDirectory)).escape(made) == nil {
            try? FileManager.default.createDirectory(atPath: made, withIntermediateDirectories: true)
        }
    }
}
