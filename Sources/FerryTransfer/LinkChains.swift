/// Where symbolic links lead once they are followed one after another, in a tree as it will stand
/// after a `mirror`: each link can stay inside the tree by its own text (`self -> .`,
/// `p1 -> self/..`, …) while the chain they make leads out (`etc -> p40/etc`).
///
/// Paths are relative to the tree's top; a path that climbs above the top, an absolute link or an
/// unreadable one, and a chain longer than ``maximumHops`` (the kernel's own limit) all count as
/// leading out.
struct LinkChains {
    /// Links followed before giving up, as Linux's `MAXSYMLINKS`.
    static let maximumHops = 40

    /// What stands at each path; a link holds its text.
    var kinds: [String: FolderTree.Kind]

    /// Where following the link at `path` (and every link on the way) leads: whether it stays inside,
    /// and the links it went through, the one at `path` first.
    func follow(_ path: String) -> (inside: Bool, through: [String]) {
        guard case .link(let held) = kinds[path] else { return (true, []) }
        var through = [path]
        guard let held, !held.hasPrefix("/") else { return (false, through) }
        // Start at the top and walk the link's folder too, so a folder that is itself a link is
        // followed as the kernel would follow it.
        var pending = Array(Self.components(held).reversed()) + Array(Self.components(path).dropLast().reversed())
        var current: [Substring] = []
        var hops = 1
        while let part = pending.popLast() {
            if part == "." { continue }
            if part == ".." {
                if current.isEmpty { return (false, through) }
                current.removeLast()
                continue
            }
            current.append(part)
            let here = current.joined(separator: "/")
            guard case .link(let next) = kinds[here] else { continue }
            hops += 1
            through.append(here)
            guard hops <= Self.maximumHops, let next, !next.hasPrefix("/") else { return (false, through) }
            current.removeLast()
            pending += Self.components(next).reversed()
        }
        return (true, through)
    }

    private static func components(_ text: String) -> [Substring] {
        text.split(separator: "/", omittingEmptySubsequences: true)
    }

    /// Of the links `making` (paths whose link is in ``kinds`` already), the ones to leave out so that
    /// no link in the tree leads out that did not before: each new link that leads out, and each new
    /// link through which an existing link now does. `before` is the tree as it stands now.
    mutating func refuse(making: [String], before: LinkChains) -> [String] {
        var candidates = Set(making)
        var refused: [String] = []
        func drop(_ path: String) {
            candidates.remove(path)
            refused.append(path)
            kinds[path] = before.kinds[path]
        }
        var changed = true
        while changed {
            changed = false
            for path in candidates.sorted() where candidates.contains(path) && !follow(path).inside {
                drop(path)
                changed = true
            }
            // An existing link may now lead out through the new ones.
            for (path, kind) in kinds where !candidates.contains(path) {
                guard case .link = kind, before.follow(path).inside else { continue }
                let (inside, through) = follow(path)
                guard !inside else { continue }
                for culprit in through where candidates.contains(culprit) {
                    drop(culprit)
                    changed = true
                }
            }
        }
        return refused.sorted()
    }
}
