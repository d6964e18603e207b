import FerryBase
import FerryScript
import FerryTransport
import Foundation

/// One side of a `mirror`: every entry under a folder, by its path inside the folder (`a/b.txt`),
/// with what mirror compares. Entries the rules leave out are not in it, nor anything under them.
package struct FolderTree: Sendable {
    /// What one path is.
    package enum Kind: Equatable, Sendable {
        case file
        case directory
        /// A symbolic link and what it holds (nil: the server's answer was not a usable name).
        case link(String?)
        /// Anything else (a device, a socket): never moved.
        case other
    }

    /// One entry.
    package struct Entry: Equatable, Sendable {
        package var kind: Kind
        package var size: UInt64 = 0
        package var modificationTime: UInt32?
        package var permissions: UInt32?
    }

    /// The entries, by path inside the folder.
    package var entries: [String: Entry] = [:]
    /// Paths the rules left out (not counting what is below a folder left out).
    package var excluded = 0

    /// Creates a value from its parts.
    package init(
        entries: [String: Entry] = [:], excluded: Int = 0
    ) {
        self.entries = entries
        self.excluded = excluded
    }

    /// Folders deeper than this are left out, as `get -r` leaves them out.
    package static var maximumDepth: Int { TransferPlanner.maximumDepth }

    /// The remote folder `root` and everything below it, through `files`. Names the server sends
    /// pass the same checks as for `get -r`; each refused name, and each folder too deep, is told to
    /// `warn`. A missing folder is an empty tree.
    package static func remote(
        _ root: String, files: any RemoteFileSystem, mirror: MirrorRequest, warn: (String) -> Void
    ) throws(CommandFailure) -> FolderTree {
        var tree = FolderTree()
        var pending: [(path: String, relative: String, depth: Int)] = [(root, "", 0)]
        while let (path, relative, depth) = pending.popLast() {
            let listing: RemoteListing
            do {
                listing = try files.list(path)
            } catch {
                throw CommandFailure(error, context: "mirror: \(path)")
            }
            for refused in listing.refused { warn("warning: mirror: \(refused.warning(in: path))") }
            for item in listing.entries {
                let child = relative.isEmpty ? item.name : relative + "/" + item.name
                let full = PathRules.join(path, item.name)
                let attributes = item.attributes
                var entry = Entry(
                    kind: .other, size: attributes.size ?? 0, modificationTime: attributes.modificationTime,
                    permissions: attributes.permissions.map { $0 & 0o7777 })
                if attributes.isSymbolicLink {
                    entry.kind = .link(mirror.symlinks ? (try? files.readLink(full)) ?? nil : nil)
                } else if attributes.isDirectory {
                    entry.kind = .directory
                } else if attributes.isRegularFile {
                    entry.kind = .file
                }
                if !mirror.symlinks, case .link = entry.kind { continue }
                if tree.admit(entry, at: child, full: full, depth: depth, mirror: mirror, warn: warn) {
                    pending.append((full, child, depth + 1))
                }
            }
        }
        return tree
    }

    /// The local folder `root` and everything below it; symbolic links are never followed.
    package static func local(_ root: String, mirror: MirrorRequest, warn: (String) -> Void) throws(CommandFailure)
        -> FolderTree
    {
        var tree = FolderTree()
        var pending: [(path: String, relative: String, depth: Int)] = [(root, "", 0)]
        while let (path, relative, depth) = pending.popLast() {
            let names: [String]
            do {
                names = try FileManager.default.contentsOfDirectory(atPath: path)
            } catch {
                throw CommandFailure(.transfer, "mirror: \(path): cannot list the folder")
            }
            for name in names {
                let full = PathRules.join(path, name)
                let child = relative.isEmpty ? name : relative + "/" + name
                var info = stat()
                guard lstat(full, &info) == 0 else { continue }
                var entry = Entry(
                    kind: .other, size: UInt64(max(0, info.st_size)),
                    modificationTime: UInt32(truncatingIfNeeded: info.st_mtim.tv_sec),
                    permissions: UInt32(info.st_mode & 0o7777))
                switch info.st_mode & S_IFMT {
                case S_IFREG: entry.kind = .file
                case S_IFDIR: entry.kind = .directory
                case S_IFLNK:
                    guard mirror.symlinks else { continue }
                    entry.kind = .link(try? FileManager.default.destinationOfSymbolicLink(atPath: full))
                default: break
                }
                if tree.admit(entry, at: child, full: full, depth: depth, mirror: mirror, warn: warn) {
                    pending.append((full, child, depth + 1))
                }
            }
        }
        return tree
    }

    /// Keeps `entry` at `child` unless the rules leave it out; returns whether to read the folder it is
    /// (one not deeper than ``maximumDepth``; a deeper one is told to `warn`).
    private mutating func admit(
        _ entry: Entry, at child: String, full: String, depth: Int, mirror: MirrorRequest, warn: (String) -> Void
    ) -> Bool {
        if mirror.excludes(child, isDirectory: entry.kind == .directory) {
            excluded += 1
            return false
        }
        entries[child] = entry
        guard entry.kind == .directory else { return false }
        if depth + 1 > Self.maximumDepth {
            warn("warning: mirror: \(full): more than \(Self.maximumDepth) folders deep; skipped")
            return false
        }
        return true
    }

    /// Whether a link at `path` (inside the tree) holding `target` points inside the tree, by its text:
    /// relative, and never climbing above the tree's top.
    package static func linkStaysInside(_ path: String, target: String) -> Bool {
        guard !target.isEmpty, !target.hasPrefix("/") else { return false }
        var depth = path.split(separator: "/").count - 1
        for part in target.split(separator: "/", omittingEmptySubsequences: true) {
            if part == ".." {
                depth -= 1
                if depth < 0 { return false }
            } else if part != "." {
                depth += 1
            }
        }
        return true
    }
}
