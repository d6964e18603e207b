import Testing

@testable import FerryCore
@testable import FerryScript
@testable import FerryTransfer

/// What `mirror` plans from two trees, and how its rules match paths.
@Suite("Mirror plan")
struct MirrorPlanTests {
    func tree(_ entries: [String: FolderTree.Entry]) -> FolderTree {
        var tree = FolderTree()
        tree.entries = entries
        return tree
    }

    func file(_ size: UInt64, _ time: UInt32 = 100, mode: UInt32 = 0o644) -> FolderTree.Entry {
        FolderTree.Entry(kind: .file, size: size, modificationTime: time, permissions: mode)
    }

    let folder = FolderTree.Entry(kind: .directory)

    @Test func copiesWhatIsMissingOrDifferentAndDeletesOnlyWhenAsked() {
        let source = tree([
            "a": folder, "a/same": file(5), "a/bigger": file(9), "a/newer": file(5, 200), "new dir": folder,
            "new dir/x": file(1), "empty": folder, "link": FolderTree.Entry(kind: .link("a/same")),
            "out": FolderTree.Entry(kind: .link("../../etc")),
        ])
        let target = tree([
            "a": folder, "a/same": file(5), "a/bigger": file(5), "a/newer": file(5, 100), "a/gone": file(3),
            "old": folder, "old/deep": folder, "old/deep/f": file(1), "link": FolderTree.Entry(kind: .link("a/same")),
        ])
        var mirror = MirrorRequest(source: "s")
        let kept = MirrorPlan(source: source, target: target, mirror: mirror)
        #expect(kept.folders == ["empty", "new dir"])
        #expect(kept.copies.map(\.path) == ["a/bigger", "a/newer", "new dir/x"])
        #expect(kept.copies.map(\.reason) == [.changed, .changed, .new])
        #expect(kept.links.isEmpty && kept.unchanged == 3)
        #expect(kept.skipped.map(\.path) == ["out"])
        #expect(kept.deletions.isEmpty && kept.folderDeletions.isEmpty)

        mirror.delete = true
        let deleting = MirrorPlan(source: source, target: target, mirror: mirror)
        #expect(deleting.deletions == ["a/gone", "old/deep/f"])
        #expect(deleting.folderDeletions == ["old/deep", "old"])

        mirror.checksum = true
        #expect(MirrorPlan(source: source, target: target, mirror: mirror).compareDigests == ["a/newer", "a/same"])
    }

    @Test func permissionsCountOnlyWithP() {
        let source = tree(["f": file(5, mode: 0o755)])
        let target = tree(["f": file(5, mode: 0o644)])
        var mirror = MirrorRequest(source: "s")
        #expect(MirrorPlan(source: source, target: target, mirror: mirror).unchanged == 1)
        mirror.preserve = true
        #expect(MirrorPlan(source: source, target: target, mirror: mirror).copies.map(\.path) == ["f"])
    }

    @Test func aFileFacingAFolderIsLeftAlone() {
        let plan = MirrorPlan(
            source: tree(["x": file(1), "d": folder, "d/inner": file(3)]),
            target: tree(["x": folder, "d": FolderTree.Entry(kind: .link("/etc"))]),
            mirror: MirrorRequest(source: "s"))
        #expect(plan.copies.isEmpty && plan.skipped.map(\.path) == ["d", "x"])

        // With --delete, what stands in the way goes first and the source's entry takes its place.
        var mirror = MirrorRequest(source: "s")
        mirror.delete = true
        let replacing = MirrorPlan(
            source: tree(["x": file(1), "d": folder, "d/inner": file(3)]),
            target: tree(["x": folder, "x/y": folder, "x/y/z": file(1), "d": file(2), "gone": file(1)]),
            mirror: mirror)
        #expect(replacing.clearFirst == ["d", "x/y/z"])
        #expect(replacing.clearFolders == ["x/y", "x"])
        #expect(replacing.folders == ["d"] && replacing.copies.map(\.path) == ["d/inner", "x"])
        #expect(replacing.deletions == ["gone"] && replacing.folderDeletions.isEmpty && replacing.skipped.isEmpty)
    }

    @Test func linksStayInsideTheTreeByTheirText() {
        #expect(FolderTree.linkStaysInside("a/b/link", target: "../c"))
        #expect(FolderTree.linkStaysInside("link", target: "./x/../y"))
        #expect(!FolderTree.linkStaysInside("link", target: "../x"))
        #expect(!FolderTree.linkStaysInside("a/link", target: "x/../../../y"))
        #expect(!FolderTree.linkStaysInside("a/link", target: "/etc/passwd"))
        #expect(!FolderTree.linkStaysInside("a/link", target: ""))
    }

    @Test func rulesMatchNamesPathsAndFoldersFirstMatchDeciding() {
        var mirror = MirrorRequest(source: "s")
        mirror.rules = [.include("keep.log"), .exclude("*.log"), .exclude("cache/"), .exclude("var/**/tmp")]
        #expect(mirror.excludes("a/b/x.log", isDirectory: false))
        #expect(!mirror.excludes("a/keep.log", isDirectory: false))
        #expect(mirror.excludes("x/cache", isDirectory: true))
        #expect(!mirror.excludes("x/cache", isDirectory: false))
        #expect(mirror.excludes("var/tmp", isDirectory: true))
        #expect(mirror.excludes("var/a/b/tmp", isDirectory: false))
        #expect(!mirror.excludes("other/tmp", isDirectory: false))
        #expect(!mirror.excludes("notes.txt", isDirectory: false))
    }

    @Test func theCommandLineOfMirror() throws {
        var expected = MirrorRequest(source: "my dir")
        expected.target = "/srv/x"
        (expected.reverse, expected.delete, expected.dryRun, expected.preserve) = (true, true, true, true)
        expected.rules = [.exclude("*.tmp"), .include("keep.tmp")]
        expected.connections = 8
        #expect(
            try ScriptParser.parse(
                "mirror -R --delete --exclude \"*.tmp\" --include keep.tmp -P 8 --dry-run -p \"my dir\" /srv/x",
                file: "m.scr"
            ).lines[0].command == .mirror(expected))
        var second = MirrorRequest(source: "logs")
        (second.checksum, second.symlinks, second.verify) = (true, false, true)
        #expect(
            try ScriptParser.parse("mirror --checksum --no-symlinks -V logs", file: "m.scr").lines[0].command
                == .mirror(second))
        #expect(throws: ScriptErrors.self) { try ScriptParser.parse("mirror --parallel 0 x", file: "m.scr") }
        #expect(throws: ScriptErrors.self) { try ScriptParser.parse("mirror --frob x", file: "m.scr") }
        #expect(throws: ScriptErrors.self) { try ScriptParser.parse("mirror", file: "m.scr") }
    }
}

/// Links followed one after another, in the tree as a mirror will leave it.
@Suite("Link chains")
struct LinkChainTests {
    func link(_ text: String?) -> FolderTree.Entry { FolderTree.Entry(kind: .link(text)) }
    let folder = FolderTree.Entry(kind: .directory)

    func plan(source: [String: FolderTree.Entry], target: [String: FolderTree.Entry] = [:]) -> MirrorPlan {
        var from = FolderTree()
        from.entries = source
        var to = FolderTree()
        to.entries = target
        return MirrorPlan(source: from, target: to, mirror: MirrorRequest(source: "s"))
    }

    @Test func eachLinkInsideByItsTextYetTheChainLeadsOut() {
        let made = plan(source: [
            "self": link("."), "p1": link("self/.."), "a": folder, "a/b": folder, "a/b/up": link(".."),
            "a/b/up2": link("up/.."), "a/b/up3": link("up2/.."), "a/b/etc": link("up3/etc"),
            "a/b/fine": link("../../a"),
        ])
        #expect(made.links.map(\.path).sorted() == ["a/b/fine", "a/b/up", "a/b/up2", "self"])
        #expect(made.skipped.map(\.path).sorted() == ["a/b/etc", "a/b/up3", "p1"])
    }

    @Test func aChainTooLongToFollowIsRefused() {
        var ring: [String: FolderTree.Entry] = [:]
        for i in 0...40 { ring["r\(i)"] = link("r\((i + 1) % 41)") }
        // Leaving one out breaks the ring: the others then end at a name that is not there.
        #expect(plan(source: ring).skipped.map(\.path) == ["r0"])
        var line: [String: FolderTree.Entry] = ["end": folder]
        for i in 0..<39 { line["l\(i)"] = link(i == 38 ? "end" : "l\(i + 1)") }
        #expect(plan(source: line).links.count == 39)
    }

    @Test func aNewLinkThroughWhichAnExistingOneWouldLeadOutIsRefused() {
        // x is already there and stays inside while lnk does not exist; lnk -> . would take it out.
        let made = plan(source: ["lnk": link("."), "x": link("lnk/..")], target: ["x": link("lnk/..")])
        #expect(made.links.isEmpty)
        #expect(made.skipped.map(\.path) == ["lnk"])
    }

    @Test func linksAreFollowedThroughFoldersThatAreLinksOnTheTargetSide() {
        // d is a link on the target side (to s/t); d/.. there is s, and s/.. the top.
        let chains = LinkChains(kinds: [
            "s": .directory, "s/t": .directory, "d": .link("s/t"), "s/t/l": .link("../../.."),
            "k": .link("d/l"),
        ])
        #expect(!chains.follow("k").inside)
        #expect(chains.follow("k").through == ["k", "d", "s/t/l"])
        #expect(!chains.follow("s/t/l").inside)
        #expect(LinkChains(kinds: ["a": .link("/etc")]).follow("a").inside == false)
        #expect(LinkChains(kinds: ["a": .link(nil)]).follow("a").inside == false)
    }
}
