import Foundation

/// A local folder that files and folders named by a server must stay inside: the folder a recursive
/// `get` fills, the local directory of an `mget`, a host's `collect` folder.
///
/// Names are already single components (``RemoteName``), so a path built from them stays inside by
/// its text; this also checks the disk, so that a symbolic link already in the folder cannot lead a
/// download out of it. Checked before anything is created.
package struct DownloadRoot: Sendable, Equatable {
    /// The folder, absolute, with `.` and `..` folded.
    package let path: String

    package init(_ path: String) { self.path = PathRules.resolve(path, in: "/") }

    /// Why making something at `candidate` would leave the folder, or nil when it stays inside: it must
    /// lie under the folder by its text, and the nearest part of it that exists must really be inside
    /// the folder once symbolic links are followed.
    package func escape(_ candidate: String) -> String? {
        let resolved = PathRules.resolve(candidate, in: "/")
        guard Self.isInside(resolved, path) else { return "outside \(path)" }
        var probe = resolved
        var info = stat()
        while lstat(probe, &info) != 0 {
            // Nothing of it exists yet below the folder: it will be made of real folders.
            if probe == path || probe == "/" { return nil }
            probe = PathRules.parent(probe)
        }
        guard let real = Self.realPath(probe), let realRoot = Self.realPath(path) else {
            return "\(probe) is a symbolic link that leads nowhere"
        }
        guard Self.isInside(real, realRoot) else {
            return "\(probe) leads outside \(path) (symbolic link to \(real))"
        }
        return nil
    }

    private static func isInside(_ candidate: String, _ folder: String) -> Bool {
        candidate == folder || candidate.hasPrefix(folder == "/" ? "/" : folder + "/")
    }

    private static func realPath(_ path: String) -> String? {
        guard let resolved = realpath(path, nil) else { return nil }
        defer { free(resolved) }
        return String(cString: resolved)
    }
}
