import FerryScript

/// What `mirror` does to make the target tree match the source tree, worked out from the two trees
/// alone before anything changes.
package struct MirrorPlan: Sendable {
    /// Why a file is copied.
    package enum Reason: String, Equatable, Sendable {
        case new, changed
    }

    /// With `--delete`: what stands where the source has another kind of entry (a file where a folder
    /// goes, a folder where a file goes), removed before anything else: files and links, then folders,
    /// deepest first.
    package var clearFirst: [String] = []
    package var clearFolders: [String] = []
    /// Folders to make on the target side, parents before children.
    package var folders: [String] = []
    /// Files to copy, in path order.
    package var copies: [(path: String, reason: Reason)] = []
    /// Files of the same size and time whose SHA-256 decides (`--checksum`).
    package var compareDigests: [String] = []
    /// Symbolic links to make (or remake, when the target holds another), with what they hold.
    package var links: [(path: String, target: String)] = []
    /// Files and links to remove from the target, then folders, deepest first (`--delete`).
    package var deletions: [String] = []
    package var folderDeletions: [String] = []
    /// The source's entries of the files to copy (their sizes, modes and times), by path.
    package var copiedEntries: [String: FolderTree.Entry] = [:]
    /// Entries that match.
    package var unchanged = 0
    /// What is left alone, and why.
    package var skipped: [(path: String, why: String)] = []

    /// Source folders facing something else, left alone with everything below them.
    private var blocked: [String] = []
    /// Target paths that go before anything is made (what stands in the way, and all below it).
    private var cleared: Set<String> = []

    /// The plan that makes `target` match `source` as `mirror` asks.
    package init(source: FolderTree, target: FolderTree, mirror: MirrorRequest) {
        // A parent sorts before its children, so a folder left alone is known before what it holds.
        for path in source.entries.keys.sorted() {
            guard let entry = source.entries[path] else { continue }
            if blocked.contains(where: { path.hasPrefix($0 + "/") }) { continue }
            let there = target.entries[path]?.kind
            switch entry.kind {
            case .directory: planFolder(path, facing: there, target: target, mirror: mirror)
            case .file: planFile(path, entry, facing: target.entries[path], target: target, mirror: mirror)
            case .link(let held): planLink(path, holding: held, facing: there, target: target, mirror: mirror)
            case .other: skipped.append((path, "not a file, folder or link"))
            }
        }
        refuseLinksLeadingOut(target: target)
        clearFirst.sort()
        clearFolders.sort(by: Self.deepestFirst)
        if mirror.delete { planDeletions(source: source, target: target) }
    }

    /// Removes the target's entry at `path`, and all below it, before anything is made.
    private mutating func clear(_ path: String, in target: FolderTree) {
        guard let kind = target.entries[path]?.kind else { return }
        cleared.insert(path)
        if kind != .directory {
            clearFirst.append(path)
            return
        }
        for (inner, entry) in target.entries where inner.hasPrefix(path + "/") {
            cleared.insert(inner)
            if entry.kind == .directory { clearFolders.append(inner) } else { clearFirst.append(inner) }
        }
        clearFolders.append(path)
    }

    /// A source folder: made when missing; facing another kind of entry, left alone with all below
    /// it, or with `--delete` made in its place.
    private mutating func planFolder(
        _ path: String, facing there: FolderTree.Kind?, target: FolderTree, mirror: MirrorRequest
    ) {
        switch there {
        case nil: folders.append(path)
        case .directory: unchanged += 1
        default:
            if mirror.delete {
                clear(path, in: target)
                folders.append(path)
            } else {
                skipped.append((path, "a folder on one side, not on the other"))
                blocked.append(path)
            }
        }
    }

    /// A source file: copied when missing or different (size, time, with `-p` mode; with
    /// `--checksum` equal sizes go to the digest comparison).
    private mutating func planFile(
        _ path: String, _ entry: FolderTree.Entry, facing there: FolderTree.Entry?, target: FolderTree,
        mirror: MirrorRequest
    ) {
        switch there?.kind {
        case nil: copies.append((path, .new))
        case .directory, .other:
            if mirror.delete {
                clear(path, in: target)
                copies.append((path, .changed))
            } else {
                skipped.append((path, "a file on one side, not on the other"))
            }
        case .link: copies.append((path, .changed))
        case .file:
            let sameTime = there?.modificationTime == entry.modificationTime
            let sameMode = !mirror.preserve || there?.permissions == entry.permissions
            if there?.size != entry.size {
                copies.append((path, .changed))
            } else if mirror.checksum {
                compareDigests.append(path)
            } else if sameTime && sameMode {
                unchanged += 1
            } else {
                copies.append((path, .changed))
            }
        }
    }

    /// A source link: made again when it points inside the tree by its text (chains are checked once
    /// every link is known), replacing a link or file; facing a folder only with `--delete`.
    private mutating func planLink(
        _ path: String, holding held: String?, facing there: FolderTree.Kind?, target: FolderTree,
        mirror: MirrorRequest
    ) {
        guard let held, FolderTree.linkStaysInside(path, target: held) else {
            skipped.append((path, "a symbolic link pointing out of the tree (\(held ?? "unreadable"))"))
            return
        }
        switch there {
        case nil: links.append((path, held))
        case .link(let existing) where existing == held: unchanged += 1
        case .link, .file: links.append((path, held))
        default:
            if mirror.delete {
                clear(path, in: target)
                links.append((path, held))
            } else {
                skipped.append((path, "a link on one side, a folder on the other"))
            }
        }
    }

    /// With `--delete`: what the target has and the source does not, files and links, then folders,
    /// deepest first.
    private mutating func planDeletions(source: FolderTree, target: FolderTree) {
        var gone: [String] = []
        var goneFolders: [String] = []
        for (path, entry) in target.entries where source.entries[path] == nil && !cleared.contains(path) {
            if entry.kind == .directory { goneFolders.append(path) } else { gone.append(path) }
        }
        deletions = gone.sorted()
        folderDeletions = goneFolders.sorted(by: Self.deepestFirst)
    }

    /// Leaves out each link that, followed through the links already on the target side and those
    /// this plan makes, would lead out of the tree (or lead an existing link out), though its own
    /// text stays inside.
    private mutating func refuseLinksLeadingOut(target: FolderTree) {
        guard !links.isEmpty else { return }
        let before = LinkChains(kinds: target.entries.mapValues(\.kind))
        var after = before
        for path in clearFirst + clearFolders { after.kinds[path] = nil }
        for path in folders { after.kinds[path] = .directory }
        for (path, _) in copies { after.kinds[path] = .file }
        for (path, held) in links { after.kinds[path] = .link(held) }
        let refused = Set(after.refuse(making: links.map(\.path), before: before))
        guard !refused.isEmpty else { return }
        for (path, held) in links where refused.contains(path) {
            skipped.append((path, "a symbolic link that leads out of the tree through other links (\(held))"))
        }
        links.removeAll { refused.contains($0.path) }
    }

    /// Files to copy that the target lacks, and files it has in another version.
    package var copyCounts: (new: Int, changed: Int) {
        let new = copies.count { $0.reason == .new }
        return (new, copies.count - new)
    }

    /// Folders in the order they can be removed: deeper ones first, so a folder comes after what it holds.
    package static func deepestFirst(_ a: String, _ b: String) -> Bool {
        let (da, db) = (a.split(separator: "/").count, b.split(separator: "/").count)
        return da != db ? da > db : a > b
    }
}
