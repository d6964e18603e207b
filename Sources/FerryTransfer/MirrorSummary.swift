/// What one `mirror` did (or, with `--dry-run`, would do), as it is printed and as the report keeps it.
public struct MirrorSummary: Codable, Equatable, Sendable {
    /// Files copied because the target lacked them, and because they differed.
    public var new = 0
    public var changed = 0
    /// Files, links and folders removed from the target (`--delete`).
    public var deleted = 0
    /// Entries already matching.
    public var unchanged = 0
    /// Folders and symbolic links made on the target.
    public var folders = 0
    public var links = 0
    /// Entries left alone (links out of the tree, a file facing a folder), and paths the rules left out.
    public var skipped = 0
    public var excluded = 0
    /// Bytes of the files copied (to copy, in a dry run).
    public var bytes: UInt64 = 0
    /// Whether nothing was changed (`--dry-run`, `--check`).
    public var dryRun = false

    /// Creates a value from its parts.
    public init(
        new: Int = 0, changed: Int = 0, deleted: Int = 0, unchanged: Int = 0, folders: Int = 0, links: Int = 0,
        skipped: Int = 0, excluded: Int = 0, bytes: UInt64 = 0, dryRun: Bool = false
    ) {
        self.new = new
        self.changed = changed
        self.deleted = deleted
        self.unchanged = unchanged
        self.folders = folders
        self.links = links
        self.skipped = skipped
        self.excluded = excluded
        self.bytes = bytes
        self.dryRun = dryRun
    }

    enum CodingKeys: String, CodingKey {
        case new, changed, deleted, unchanged, folders, links, skipped, excluded, bytes
        case dryRun = "dry_run"
    }

    /// The one line printed at the end: `mirror: 3 new, 1 changed, ...`.
    public var line: String {
        var parts = ["\(new) new", "\(changed) changed", "\(deleted) deleted", "\(unchanged) unchanged"]
        if folders > 0 { parts.append("\(folders) folder\(folders == 1 ? "" : "s") made") }
        if links > 0 { parts.append("\(links) link\(links == 1 ? "" : "s") made") }
        if skipped > 0 { parts.append("\(skipped) skipped") }
        if excluded > 0 { parts.append("\(excluded) excluded") }
        parts.append("\(bytes) bytes")
        return "mirror: " + parts.joined(separator: ", ") + (dryRun ? " (dry run: nothing was changed)" : "")
    }
}
