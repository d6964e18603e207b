import Foundation
import Testing

/// `mirror` both ways against the real sshd: nested folders, spaces, non-ASCII names, empty folders,
/// links, changed and deleted files with and without `--delete`, `--dry-run`, a second run that moves
/// nothing, excludes, `--checksum`, the report, many hosts, and a tree of 10,000 files.
@Suite("Mirror", .tags(.integration))
struct MirrorTests {
    let server = TestSSHServer.shared

    /// A tree with every kind of entry the suite cares about, under `root`.
    func makeTree(_ root: String) {
        Shell.sh(
            """
            set -e
            mkdir -p '\(root)/a/b/c' '\(root)/with space' '\(root)/empty/deeper' '\(root)/ünïcødé' '\(root)/cache'
            echo one > '\(root)/a/one.txt'; echo three > '\(root)/a/b/c/three.txt'
            echo spaced > '\(root)/with space/file name.txt'; echo u > '\(root)/ünïcødé/fïlé.txt'
            echo noise > '\(root)/a/debug.log'; echo keep > '\(root)/a/keep.log'; echo junk > '\(root)/cache/x'
            head -c 300000 /dev/urandom > '\(root)/a/b/big.bin'
            ln -s a/one.txt '\(root)/inside-link'; ln -s /etc/passwd '\(root)/outside-link'
            """)
    }

    /// Every entry under `root` with its type, size and link target (times left out).
    func listing(_ root: String) -> [String] {
        Shell.sh(
            "cd '\(root)' && find . -printf '%y %s %P %l\\n' | grep -v '^d' | LC_ALL=C sort; cd '\(root)' && find . -type d | LC_ALL=C sort"
        )
        .stdout.split(separator: "\n").map(String.init).filter { !$0.contains("script-") }
    }

    /// What `diff -r` says between two trees (empty when they match), links compared as links.
    func difference(_ a: String, _ b: String) -> String {
        Shell.sh("diff -r --no-dereference '\(a)' '\(b)' 2>&1").stdout
    }

    @Test(arguments: [false, true])
    func mirrorsATreeAndThenOnlyWhatChanged(reverse: Bool) throws {
        let folder = TestSSHServer.scratch("mirror")
        let source = folder + "/source"
        let target = folder + "/target"
        makeTree(source)
        let mirror = reverse ? "mirror -R" : "mirror"
        let rules = "--include keep.log --exclude '*.log' --exclude cache/"
        func run(_ options: String) -> RunResult {
            server.batch(
                "\(mirror) \(options) \(source) \(target)\n".replacingOccurrences(of: "'", with: "\""), in: folder)
        }

        // A dry run changes nothing and says what it would do.
        let before = listing(folder)
        let dry = run("--dry-run \(rules)")
        #expect(dry.status == 0, "\(dry.stdout)\(dry.stderr)")
        #expect(listing(folder) == before)
        #expect(dry.stdout.contains("mirror: would copy with space/file name.txt (new, 7 bytes)"), "\(dry.stdout)")
        #expect(dry.stdout.contains("mirror: would link inside-link -> a/one.txt"))
        #expect(dry.stdout.contains("mirror: would make folder empty/deeper"))
        #expect(dry.stdout.contains("(dry run: nothing was changed)"))

        let first = run(rules)
        #expect(first.status == 0, "\(first.stdout)\(first.stderr)")
        #expect(first.stdout.contains("mirror: 6 new, 0 changed, 0 deleted, 0 unchanged"), "\(first.stdout)")
        #expect(
            first.stderr.contains(
                "mirror: outside-link: skipped: a symbolic link pointing out of the tree (/etc/passwd)"))
        #expect(FileManager.default.fileExists(atPath: target + "/empty/deeper"))
        #expect(!FileManager.default.fileExists(atPath: target + "/a/debug.log"))
        #expect(FileManager.default.fileExists(atPath: target + "/a/keep.log"))
        #expect(!FileManager.default.fileExists(atPath: target + "/cache"))
        #expect(try FileManager.default.destinationOfSymbolicLink(atPath: target + "/inside-link") == "a/one.txt")
        #expect(
            difference(source, target).split(separator: "\n").sorted() == [
                "Only in \(source)/a: debug.log", "Only in \(source): cache", "Only in \(source): outside-link",
            ], "\(difference(source, target))")

        // Nothing changed: nothing moves.
        let second = run(rules)
        #expect(second.status == 0 && !second.stdout.contains("=>"), "\(second.stdout)")
        #expect(second.stdout.contains("mirror: 0 new, 0 changed, 0 deleted"), "\(second.stdout)")

        // One file grows, one keeps its size with a new time, one is deleted at the source.
        Shell.sh(
            """
            echo more >> '\(source)/a/one.txt'; echo THREE > '\(source)/a/b/c/three.txt'
            touch -d '2001-01-01' '\(source)/a/b/c/three.txt'; rm '\(source)/with space/file name.txt'
            """)
        let third = run(rules)
        #expect(third.status == 0, "\(third.stderr)")
        #expect(third.stdout.contains("mirror: 0 new, 2 changed, 0 deleted"), "\(third.stdout)")
        #expect(FileManager.default.fileExists(atPath: target + "/with space/file name.txt"))
        #expect(try String(contentsOfFile: target + "/a/b/c/three.txt", encoding: .utf8) == "THREE\n")

        // With --delete it goes; what the rules leave out on the target stays.
        try "target only\n".write(toFile: target + "/a/only-here.log", atomically: true, encoding: .utf8)
        let fourth = run("--delete \(rules)")
        #expect(fourth.status == 0, "\(fourth.stderr)")
        #expect(fourth.stdout.contains("mirror: deleted with space/file name.txt"), "\(fourth.stdout)")
        #expect(fourth.stdout.contains("mirror: 0 new, 0 changed, 1 deleted"), "\(fourth.stdout)")
        #expect(!FileManager.default.fileExists(atPath: target + "/with space/file name.txt"))
        #expect(FileManager.default.fileExists(atPath: target + "/a/only-here.log"))
    }

    @Test func checksumFindsAChangeThatKeptItsSizeAndTime() throws {
        let folder = TestSSHServer.scratch("mirror-checksum")
        Shell.sh("mkdir -p '\(folder)/src' && echo aaaa > '\(folder)/src/f' && touch -d '2020-02-02' '\(folder)/src/f'")
        let first = server.batch("lcd \(folder)\nmirror \(folder)/src copy\n", in: folder)
        #expect(first.status == 0, "\(first.stderr)")
        Shell.sh("echo bbbb > '\(folder)/src/f' && touch -d '2020-02-02' '\(folder)/src/f'")
        let plain = server.batch("lcd \(folder)\nmirror \(folder)/src copy\n", in: folder)
        #expect(plain.stdout.contains("0 changed"), "\(plain.stdout)")
        let summed = server.batch("lcd \(folder)\nmirror --checksum \(folder)/src copy\n", in: folder)
        #expect(summed.status == 0 && summed.stdout.contains("0 new, 1 changed"), "\(summed.stdout)\(summed.stderr)")
        #expect(try String(contentsOfFile: folder + "/copy/f", encoding: .utf8) == "bbbb\n")
        let again = server.batch("lcd \(folder)\nmirror --checksum \(folder)/src copy\n", in: folder)
        #expect(again.stdout.contains("0 changed, 0 deleted, 1 unchanged"), "\(again.stdout)")
    }

    @Test(arguments: [false, true])
    func withDeleteAFileAndAFolderTradePlaces(reverse: Bool) throws {
        let folder = TestSSHServer.scratch("mirror-trade")
        Shell.sh(
            """
            mkdir -p '\(folder)/src/d' '\(folder)/dst/x/y' && echo file > '\(folder)/src/x'
            echo inner > '\(folder)/src/d/inner' && echo old > '\(folder)/dst/x/y/z' && echo old > '\(folder)/dst/d'
            """)
        let mirror = reverse ? "mirror -R" : "mirror"
        let kept = server.batch("\(mirror) \(folder)/src \(folder)/dst\n", in: folder)
        #expect(kept.status == 0 && kept.stdout.contains("0 new"), "\(kept.stdout)\(kept.stderr)")
        #expect(kept.stderr.contains("mirror: x: skipped: a file on one side, not on the other"))
        let replaced = server.batch("\(mirror) --delete \(folder)/src \(folder)/dst\n", in: folder)
        #expect(replaced.status == 0, "\(replaced.stdout)\(replaced.stderr)")
        #expect(replaced.stdout.contains("mirror: deleted x/ (in the way of the source's entry)"), "\(replaced.stdout)")
        #expect(difference(folder + "/src", folder + "/dst").isEmpty, "\(difference(folder + "/src", folder + "/dst"))")
    }

    @Test func aScriptOnOneHostNamesItInHostPaths() throws {
        let folder = TestSSHServer.scratch("mirror-one-host")
        Shell.sh("mkdir -p '\(folder)/src' && echo x > '\(folder)/src/f'")
        let result = server.batch(
            "mirror \(folder)/src {host}/copy\nget \(folder)/src/f {host}/single\nlcd {host}\nget \(folder)/src/f\n",
            in: folder)
        #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
        let name = "127.0.0.1_\(server.port)"
        for file in ["copy/f", "single", "f"] {
            #expect(FileManager.default.fileExists(atPath: "\(folder)/\(name)/\(file)"), "\(file)")
        }
    }

    @Test func modesMoveOnlyWithP() throws {
        let folder = TestSSHServer.scratch("mirror-modes")
        Shell.sh("mkdir -p '\(folder)/src' && echo x > '\(folder)/src/tool' && chmod 750 '\(folder)/src/tool'")
        let mode = { (path: String) in
            Shell.sh("stat -c %a '\(path)'").stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        }
        let plain = server.batch("mirror -R \(folder)/src \(folder)/plain\n", in: folder, extra: ["-v"])
        #expect(plain.status == 0, "\(plain.stderr)")
        let kept = server.batch("mirror -R -p \(folder)/src \(folder)/kept\n", in: folder)
        #expect(kept.status == 0 && mode(folder + "/kept/tool") == "750", "\(kept.stderr)")
        // Times always move: the copy has the source's modification time.
        #expect(
            Shell.sh("stat -c %Y '\(folder)/src/tool' '\(folder)/plain/tool' | uniq | wc -l").stdout.hasPrefix("1"))
        Shell.sh("chmod 700 '\(folder)/src/tool'")
        let again = server.batch("mirror -R -p \(folder)/src \(folder)/kept\n", in: folder)
        #expect(again.stdout.contains("0 new, 1 changed") && mode(folder + "/kept/tool") == "700", "\(again.stdout)")
    }

    @Test func theSummaryGoesIntoTheReportPerHost() throws {
        let folder = TestSSHServer.scratch("mirror-hosts")
        makeTree(folder + "/src")
        let sessions = folder + "/sessions"
        try FileManager.default.createDirectory(atPath: sessions, withIntermediateDirectories: true)
        for name in ["one", "two"] {
            try """
            host: 127.0.0.1
            port: \(server.port)
            user: root
            identity: \(server.ed25519Key)
            known-hosts: \(server.knownHosts)
            """.write(toFile: "\(sessions)/\(name).yaml", atomically: true, encoding: .utf8)
        }
        let script = folder + "/m.scr"
        try "mirror --exclude cache/ \(folder)/src {host}/tree\n".write(
            toFile: script, atomically: true, encoding: .utf8)
        let result = FerryBinary.run(
            ["-batch", "--sessions", sessions, "-load", "one", "-load", "two", "-b", script], directory: folder)
        #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
        for name in ["one", "two"] {
            #expect(FileManager.default.fileExists(atPath: "\(folder)/\(name)/tree/a/b/big.bin"), "\(name)")
        }
        let (_, json) = try report(of: result)
        let hosts = try #require(json["hosts"] as? [[String: Any]])
        #expect(hosts.count == 2)
        for host in hosts {
            let command = try #require((host["commands"] as? [[String: Any]])?.first)
            let mirror = try #require(command["mirror"] as? [String: Any])
            #expect(mirror["new"] as? Int == 7 && mirror["excluded"] as? Int == 1, "\(mirror)")
        }
        // Without {host} the hosts would fill one tree: refused before connecting.
        try "mirror \(folder)/src tree\n".write(toFile: script, atomically: true, encoding: .utf8)
        let clash = FerryBinary.run(
            ["-batch", "--sessions", sessions, "-load", "one", "-load", "two", "-b", script], directory: folder)
        #expect(clash.status == 2 && clash.stderr.contains("mirror would make the same local tree for every host"))
    }

    @Test func aTreeOfTenThousandFiles() throws {
        let folder = TestSSHServer.scratch("mirror-10k")
        Shell.sh(
            """
            python3 - '\(folder)/src' <<'PY'
            import os, sys
            root = sys.argv[1]
            for d in range(100):
                path = os.path.join(root, "d%02d" % (d % 10), "sub%02d" % d)
                os.makedirs(path, exist_ok=True)
                for f in range(100):
                    with open(os.path.join(path, "f%03d.txt" % f), "w") as out:
                        out.write("%d/%d\\n" % (d, f))
            PY
            """)
        let first = server.batch("mirror \(folder)/src \(folder)/dst\n", in: folder, extra: ["--connections", "8"])
        #expect(first.status == 0, "\(first.stderr.suffix(2000))")
        #expect(first.stdout.contains("mirror: 10000 new, 0 changed, 0 deleted"), "\(first.stdout.suffix(500))")
        #expect(difference(folder + "/src", folder + "/dst").isEmpty)
        let second = server.batch("mirror -R \(folder)/dst \(folder)/src\n", in: folder)
        #expect(
            second.status == 0 && second.stdout.contains("mirror: 0 new, 0 changed, 0 deleted, 10110 unchanged"),
            "\(second.stdout.suffix(500))")
    }
}
