import Foundation
import Testing

/// A server that lies (names, sizes, modes, paths, prompts, signals) must not be able to write outside
/// the target, widen a wildcard, leave set-ID files or drive the terminal.
@Suite("Hostile servers", .tags(.integration))
struct HostileServerTests {
    /// A folder for one test: `here` is Ferry's local directory, `outside` a neighbour that must stay as it is.
    struct World {
        let root = TestSSHServer.scratch("world")
        var here: String { root + "/here" }
        var outside: String { root + "/outside" }

        init() {
            Shell.sh("mkdir -p '\(root)/here' '\(root)/outside' && echo keep > '\(root)/outside/victim.txt'")
        }
    }

    /// Names that try to leave the folder they are listed in, aimed at `world`.
    static func escapingEntries(_ world: World) -> [[String: Any]] {
        [
            ["name": "../../escape.txt"],
            ["name": "sub/../../x"],
            ["name": "../../d", "type": "dir"],
            ["name": String(repeating: "../", count: 40) + world.root + "/abs.txt"],
            ["name": world.root + "/abs2.txt"],
            ["name": "x/.."],
            ["name": ".", "type": "dir"],
            ["name": "..", "type": "dir"],
            ["name": "..", "type": "file"],
            ["name": "evil\u{0}.txt"],
            ["name_hex": "ff66"],
        ]
    }

    static let escapeWarnings = [
        #"name "../../escape.txt" in DIR (it contains "/")"#,
        #"name "sub/../../x" in DIR (it contains "/")"#,
        #"name "../../d" in DIR (it contains "/")"#,
        #"name "../../../../../../../../../../../../../../../../../../../../../../../../../../../../../../../../../../../../../../../../WORLD/abs.txt" in DIR (it contains "/")"#,
        #"name "WORLD/abs2.txt" in DIR (it contains "/")"#,
        #"name "x/.." in DIR (it contains "/")"#,
        #"name ".." in DIR (it is "." or "..")"#,
        #"name "evil^@.txt" in DIR (it contains a NUL byte)"#,
        #"name "\#u{FFFD}f" in DIR (it is not valid UTF-8)"#,
    ]

    /// The warnings `command` should print for ``escapingEntries(_:)`` listed in `directory`.
    static func expectedWarnings(_ command: String, in directory: String, world: World) -> [String] {
        escapeWarnings.map {
            "warning: \(command): server sent a suspicious "
                + $0.replacingOccurrences(of: "DIR", with: directory).replacingOccurrences(
                    of: "WORLD", with: world.root)
                + "; skipped"
        }
    }

    static func warnings(_ stderr: String) -> [String] {
        stderr.split(separator: "\n").map(String.init).filter { $0.hasPrefix("warning: ") }
    }

    // MARK: Traversal

    @Test func recursiveGetKeepsEveryNameInsideTheTarget() throws {
        let world = World()
        let server = HostileServer([
            "dirs": [
                "/data/tree": Self.escapingEntries(world) + [
                    ["name": "ok.txt", "content": "fine\n"], ["name": "ok.txt", "content": "second\n"],
                    ["name": "okdir", "type": "dir"],
                ],
                "/data/tree/okdir": [["name": "inner.txt", "content": "in\n"], ["name": "../../../inner-escape.txt"]],
            ]
        ])
        let before = treeListing(world.root)
        let result = server.batch("lcd \(world.here)\nget -r /data/tree\n", in: world.here)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(
            Self.warnings(result.stderr)
                == Self.expectedWarnings("get", in: "/data/tree", world: world) + [
                    #"warning: get: server sent a suspicious name "ok.txt" in /data/tree (it is listed twice); skipped"#,
                    #"warning: get: server sent a suspicious name "../../../inner-escape.txt" in /data/tree/okdir (it contains "/"); skipped"#,
                ])
        let added = Set(treeListing(world.root)).subtracting(before).sorted()
        #expect(
            added == [
                "d ./here/tree ", "d ./here/tree/okdir ", "f ./here/tree/ok.txt ", "f ./here/tree/okdir/inner.txt ",
            ])
        #expect(Set(before).isSubset(of: treeListing(world.root)))
        #expect(try String(contentsOfFile: world.here + "/tree/ok.txt", encoding: .utf8) == "fine\n")
        #expect(result.stdout.contains("remote:/data/tree/okdir/inner.txt => local:tree/okdir/inner.txt"))
    }

    @Test func mirrorKeepsEveryNameAndLinkInsideTheTarget() throws {
        let world = World()
        let server = HostileServer([
            "dirs": [
                "/data/tree": Self.escapingEntries(world) + [
                    ["name": "ok.txt", "content": "fine\n"], ["name": "okdir", "type": "dir"],
                    ["name": "to-etc", "type": "link"],
                ],
                "/data/tree/okdir": [["name": "inner.txt", "content": "in\n"], ["name": "../../../inner-escape.txt"]],
            ]
        ])
        let before = treeListing(world.root)
        let result = server.batch("lcd \(world.here)\nmirror /data/tree tree\n", in: world.here)
        #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
        #expect(
            Self.warnings(result.stderr)
                == Self.expectedWarnings("mirror", in: "/data/tree", world: world) + [
                    #"warning: mirror: server sent a suspicious name "../../../inner-escape.txt" in /data/tree/okdir (it contains "/"); skipped"#
                ])
        // The link's target could not be read (the server does not answer readlink): it is left out.
        #expect(result.stderr.contains("mirror: to-etc: skipped: a symbolic link pointing out of the tree"))
        let added = Set(treeListing(world.root)).subtracting(before).sorted()
        #expect(
            added == [
                "d ./here/tree ", "d ./here/tree/okdir ", "f ./here/tree/ok.txt ", "f ./here/tree/okdir/inner.txt ",
            ])
        #expect(Set(before).isSubset(of: treeListing(world.root)))
    }

    @Test func mirrorMakesNoLinkChainThatLeadsOut() throws {
        let world = World()
        func link(_ name: String, _ target: String) -> [String: Any] {
            ["name": name, "type": "link", "target": target]
        }
        // Each link stays inside by its own text; followed one after another, up3 is the tree's
        // parent and etc its neighbour's etc. The ring of 41 links is too long to follow.
        let ring = (0...40).map { link("r\($0)", "r\(($0 + 1) % 41)") }
        let server = HostileServer([
            "dirs": [
                "/data/tree": [["name": "a", "type": "dir"], link("self", "."), link("p1", "self/..")] + ring,
                "/data/tree/a": [["name": "b", "type": "dir"]],
                "/data/tree/a/b": [
                    link("up", ".."), link("up2", "up/.."), link("up3", "up2/.."), link("etc", "up3/etc"),
                    link("file", "../../a/b/real.txt"), ["name": "real.txt", "content": "real\n"],
                ],
            ]
        ])
        let result = server.batch("lcd \(world.here)\nmirror /data/tree tree\n", in: world.here)
        #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
        // Of the ring, leaving out the first link is enough: the rest then end at a missing name.
        for refused in ["p1", "a/b/up3", "a/b/etc", "r0"] {
            #expect(
                result.stderr.contains(
                    "mirror: \(refused): skipped: a symbolic link that leads out of the tree through other links"),
                "\(refused): \(result.stderr)")
        }
        let tree = world.here + "/tree"
        for made in ["self", "a/b/up", "a/b/up2", "a/b/file", "r1", "r40"] {
            #expect(LocalLink.exists(tree + "/" + made), "\(made)")
        }
        for refused in ["p1", "a/b/up3", "a/b/etc", "r0"] { #expect(!LocalLink.exists(tree + "/" + refused)) }
        #expect(try String(contentsOfFile: tree + "/a/b/file", encoding: .utf8) == "real\n")
        // Every link left in the tree resolves inside it, as the kernel follows it.
        let escaping = Shell.sh(
            "cd '\(tree)' && find . -type l | while read -r l; do r=$(realpath -m \"$l\"); "
                + "case \"$r\" in '\(tree)'|'\(tree)'/*) ;; *) echo \"$l -> $r\";; esac; done")
        #expect(escaping.stdout.isEmpty, "\(escaping.stdout)")
    }

    @Test func mgetRecursiveThroughTheConnectionPoolStaysInside() throws {
        let world = World()
        let valid: [[String: Any]] = (1...10).map { ["name": "file\($0).txt", "content": "n\($0)\n"] }
        let server = HostileServer([
            "dirs": [
                "/data": [["name": "many", "type": "dir"]],
                "/data/many": Self.escapingEntries(world) + valid,
            ],
            "home": "/data",
        ])
        let before = treeListing(world.root)
        let result = server.batch("lcd \(world.here)\nmget -r m*\n", in: world.here, extra: ["-v"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stderr.contains("opening 3 extra connection(s) for parallel transfers"))
        #expect(Self.warnings(result.stderr) == Self.expectedWarnings("mget", in: "/data/many", world: world))
        let added = Set(treeListing(world.root)).subtracting(before).sorted()
        #expect(added == (["d ./here/many "] + (1...10).map { "f ./here/many/file\($0).txt " }).sorted())
        #expect(try String(contentsOfFile: world.here + "/many/file7.txt", encoding: .utf8) == "n7\n")
    }

    @Test func collectKeepsEveryNameInsideTheHostFolder() throws {
        let world = World()
        let server = HostileServer([
            "dirs": [
                "/data/tree": Self.escapingEntries(world) + [
                    ["name": "ok.txt", "content": "fine\n"], ["name": "sub", "type": "dir"],
                ],
                "/data/tree/sub": [["name": "deep.txt", "content": "deep\n"], ["name": "../../../../../../up.txt"]],
            ]
        ])
        let diagnostics = world.here + "/diag"
        let before = treeListing(world.root)
        let result = server.batch(
            "collect /data/tree/*\ncollect -r /data/tree\n", in: world.here, extra: ["--diagnostics", diagnostics])
        #expect(result.status == 0, "\(result.stderr)")
        let added = Set(treeListing(world.root)).subtracting(before)
        let outsideDiagnostics = added.filter { !$0.hasPrefix("d ./here/diag") && !$0.hasPrefix("f ./here/diag") }
        #expect(outsideDiagnostics.isEmpty, "\(outsideDiagnostics)")
        let files = Shell.sh(
            "cd '\(diagnostics)' && find . -path '*/files/*' -type f | sed 's|^\\./[^/]*/[^/]*/||' | sort"
        )
        .stdout
        #expect(files == "files/data/tree/ok.txt\nfiles/data/tree/sub/deep.txt\n")
        #expect(
            Self.warnings(result.stderr)
                == Self.expectedWarnings("collect", in: "/data/tree", world: world)
                + Self.expectedWarnings("collect", in: "/data/tree", world: world) + [
                    #"warning: collect: server sent a suspicious name "../../../../../../up.txt" in /data/tree/sub (it contains "/"); skipped"#
                ])
    }

    @Test func symbolicLinksInTheTargetDoNotLeadOut() throws {
        let world = World()
        let server = HostileServer([
            "dirs": [
                "/data/tree": [["name": "linked", "type": "dir"], ["name": "victim.txt", "content": "owned\n"]],
                "/data/tree/linked": [["name": "victim.txt", "content": "owned\n"]],
            ]
        ])
        Shell.sh(
            "mkdir -p '\(world.here)/tree' && ln -s '\(world.outside)' '\(world.here)/tree/linked'"
                + " && ln -s '\(world.outside)/victim.txt' '\(world.here)/tree/victim.txt'")
        let result = server.batch("lcd \(world.here)\nget -r -a /data/tree tree\n", in: world.here, extra: ["-be"])
        #expect(
            result.stderr.contains(
                "warning: get: \(world.here)/tree/linked: refusing to write there: \(world.here)/tree/linked leads"
                    + " outside \(world.here)/tree (symbolic link to \(world.outside)); skipped"), "\(result.stderr)")
        #expect(result.stderr.contains("get: \(world.here)/tree/victim.txt: refusing to write there"))
        #expect(result.status == 7)
        #expect(try String(contentsOfFile: world.outside + "/victim.txt", encoding: .utf8) == "keep\n")
        #expect(try FileManager.default.contentsOfDirectory(atPath: world.outside) == ["victim.txt"])
    }

    @Test func anEndlessTreeStopsAtSixtyFourLevels() {
        let world = World()
        let server = HostileServer(["endless": "/data/loop"])
        let result = server.batch("lcd \(world.here)\nget -r /data/loop\n", in: world.here)
        #expect(result.status == 0, "\(result.stderr)")
        let deepest = "/data/loop" + String(repeating: "/again", count: 65)
        #expect(result.stderr.contains("warning: get: \(deepest): more than 64 folders deep; skipped"))
        let folders = Shell.sh("find '\(world.here)/loop' -type d | wc -l").stdout
        #expect(folders.trimmingCharacters(in: .whitespacesAndNewlines) == "65")
    }

    // MARK: Wildcards

    @Test func wildcardsMatchWithinOneComponent() throws {
        let world = World()
        let server = HostileServer([
            "home": "/data/w",
            "dirs": [
                "/data/w": [
                    ["name": "db-/x/authorized_keys"], ["name": "x/.bashrc"], ["name": "authorized_keys\u{0}.tar.gz"],
                    ["name": "db-1.tar.gz", "content": "backup\n"], ["name": ".hidden", "content": "h\n"],
                ]
            ],
        ])
        let result = server.batch(
            "lcd \(world.here)\nmget db-*\nmget *.tar.gz\nmget *\n", in: world.here)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: world.here) == ["db-1.tar.gz"])
        #expect(result.stdout.components(separatedBy: "remote:/data/w/db-1.tar.gz => local:db-1.tar.gz").count == 4)
        #expect(!result.stdout.contains("authorized_keys"))
        #expect(
            Self.warnings(result.stderr).filter { $0.hasPrefix("warning: mget: server sent") }.count == 9,
            "\(result.stderr)")
    }

    // MARK: Modes

    @Test func setIDBitsFromTheServerAreDropped() {
        let world = World()
        let server = HostileServer([
            "dirs": [
                "/data/m": [
                    ["name": "suid", "mode": 0o4755, "content": "x"], ["name": "sgid", "mode": 0o2777, "content": "x"],
                    ["name": "sticky", "mode": 0o1640, "content": "x"],
                ]
            ]
        ])
        let result = server.batch(
            "lcd \(world.here)\nget -p /data/m/suid\n! mkdir mp\nlcd mp\nmget -p /data/m/*\ncollect /data/m/*\n",
            in: world.here, extra: ["--diagnostics", world.here + "/diag"])
        #expect(result.status == 0, "\(result.stderr)")
        func mode(_ path: String) -> String {
            Shell.sh("stat -c %a '\(path)'").stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        }
        #expect(mode(world.here + "/suid") == "755")
        #expect(mode(world.here + "/mp/suid") == "755")
        #expect(mode(world.here + "/mp/sgid") == "777")
        #expect(mode(world.here + "/mp/sticky") == "640")
        let collected = Shell.sh("find '\(world.here)/diag' -path '*/files/data/m/*' -printf '%f %m\\n' | sort").stdout
        #expect(collected == "sgid 777\nsticky 640\nsuid 755\n")
    }

    // MARK: Terminal

    @Test func namesPathsAndMessagesReachTheTerminalWithControlsVisible() throws {
        let world = World()
        let escape = "\u{1B}"
        let server = HostileServer([
            "home": "/data/c",
            "realpath": ["/data/c/inside": "/data/c/ins\(escape)[2Jide"],
            "dirs": [
                "/data/c": [
                    ["name": "title\(escape)]0;owned\u{7}.txt", "content": "t\n"],
                    [
                        "name": "bell\u{7}\u{9B}31m",
                        "longname": "-rw-r--r-- 1 0 0 6 Jan 1 00:00 long\(escape)[2J\r\nforged",
                    ],
                    ["name": "line\nremote:/etc/shadow => local:shadow"],
                    ["name": "rtl\u{202E}txt.exe", "content": "r\n"],
                    ["name": "inside", "type": "dir"],
                    ["name": "folder\(escape)[1m", "type": "dir"],
                    ["name": "open\(escape)[1mfail", "deny": true],
                ]
            ],
            "exec": ["stdout": "out\(escape)[2J\n", "signal": "TERM\(escape)]0;x\u{7}"],
        ])
        let diagnostics = world.here + "/diag"
        let result = server.batch(
            """
            lcd \(world.here)
            ls
            ls -1
            mget t*
            mget r*
            mget f*
            mget o*
            cd inside
            pwd
            run true
            """, in: world.here, extra: ["-be", "--diagnostics", diagnostics])
        #expect(result.status == 7 || result.status == 8, "\(result.stderr)")
        let output = result.stdout + result.stderr
        #expect(!hasRawControls(output), "\(output.debugDescription)")
        #expect(result.stdout.contains("title^[]0;owned^G.txt\n"))
        #expect(result.stdout.contains("-rw-r--r-- 1 0 0 6 Jan 1 00:00 long^[[2J^M^Jforged\n"))
        #expect(result.stdout.contains("bell^G\\u{9b}31m\n"))
        #expect(result.stdout.contains("remote:/data/c/title^[]0;owned^G.txt => local:title^[]0;owned^G.txt\n"))
        #expect(result.stdout.contains("remote:/data/c/rtl\\u{202e}txt.exe => local:rtl\\u{202e}txt.exe\n"))
        #expect(!output.split(separator: "\n").contains { $0.hasPrefix("remote:/etc/shadow") })
        #expect(result.stderr.contains("mget: /data/c/folder^[[1m: skipping directory (use mget -r)"))
        #expect(result.stderr.contains("mget: /data/c/open^[[1mfail: open for read: permission denied"))
        #expect(result.stdout.contains("Remote directory is now /data/c/ins^[[2Jide\n"))
        #expect(result.stdout.contains("out^[[2J\n"))
        #expect(result.stderr.contains("run: 'true' was killed by signal TERM^[]0;x^G"))
        // The files keep their real names: only what is shown is escaped.
        #expect(FileManager.default.fileExists(atPath: world.here + "/title\(escape)]0;owned\u{7}.txt"))
        let report = Shell.sh("cat '\(diagnostics)'/*/report.md").stdout
        #expect(report.contains("TERM^\\[\\]0;x^G"))
        #expect(!hasRawControls(report))
        let stdoutFile = Shell.sh("cat '\(diagnostics)'/*/*/01-true.stdout").stdout
        #expect(stdoutFile == "out\(escape)[2J\n", "run output on disk stays byte-exact")
    }

    @Test func suspiciousRealpathAnswersAreRefused() {
        let world = World()
        let server = HostileServer([
            "home": "/x/../../etc",
            "realpath": ["/up": "/data/../../etc", "/rel": "etc/ssh", "/nul": "/etc\u{0}/x"],
            "dirs": ["/up": [], "/rel": [], "/nul": []],
        ])
        let result = server.batch("pwd\ncd /up\ncd /rel\ncd /nul\npwd\n", in: world.here, extra: ["-be"])
        #expect(result.status == 7)
        #expect(
            result.stderr == """
                warning: server sent a suspicious path "/x/../../etc" (it holds a "." or ".." component) as the remote directory; starting in /
                cd: /up: server sent a suspicious path "/data/../../etc" (it holds a "." or ".." component)
                cd: /rel: server sent a suspicious path "etc/ssh" (it is not an absolute path)
                cd: /nul: server sent a suspicious path "/etc^@/x" (it contains a NUL byte)

                """)
        #expect(result.stdout.components(separatedBy: "Remote directory is /\n").count == 3)
    }

    @Test func authenticationMethodListIsShownWithControlsVisible() {
        let world = World()
        let server = HostileServer(["methods": "publickey,\u{1B}[2Jpassword\u{7}"])
        let result = server.batch("pwd\n", in: world.here, extra: ["-v"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stderr.contains("server accepts: publickey,^[[2Jpassword^G"))
        #expect(!hasRawControls(result.stderr))
        let refused = HostileServer(["methods": "gssapi\u{1B}[2J"])
        let failed = refused.batch("pwd\n", in: world.here)
        #expect(failed.status == 4)
        #expect(failed.stderr.contains("gssapi^[[2J"), "\(failed.stderr)")
        #expect(!hasRawControls(failed.stderr))
    }

    @Test func keyboardInteractiveTextIsShownWithControlsVisible() {
        let world = World()
        let server = HostileServer([
            "methods": "keyboard-interactive",
            "interactive": [
                "name": "Evil\u{1B}]0;owned\u{7}", "instruction": "first line\nsecond\u{1B}[2J line",
                "prompts": [["Code\u{1B}[8m: ", false]],
            ],
        ])
        let home = TestSSHServer.scratch("kbd-home")
        let terminal = TerminalSession(
            ["-P", String(server.port), "--known-hosts", server.knownHosts, "-noagent", "root@127.0.0.1"],
            directory: world.here, home: home)
        #expect(terminal.waitFor("Code^[[8m:"), "\(terminal.screen)")
        let screen = terminal.screen
        #expect(screen.contains("Evil^[]0;owned^G"))
        #expect(screen.contains("first line\nsecond^[[2J line"))
        terminal.type("123456")
        terminal.press("Enter")
        #expect(terminal.waitForCurrentLine("ferry>"), "\(terminal.screen)")
        terminal.type("bye")
        terminal.press("Enter")
        #expect(terminal.waitFor("FERRY-EXIT=0"))
    }

    // MARK: Sizes

    @Test func downloadsStopAtTheAnnouncedSize() throws {
        let world = World()
        let server = HostileServer([
            "files": [
                "/data/u/small": ["size": 10, "stream": 20_000_000],
                "/data/u/forever": ["size": 10, "stream": -1],
                "/data/u/unknown": ["size": NSNull(), "stream": 3_000_000],
                "/data/u/short": ["size": 1000, "content": "abc"],
            ]
        ])
        let result = server.batch(
            "lcd \(world.here)\nget /data/u/small\nget /data/u/forever\nget /data/u/unknown\nget /data/u/short\n",
            in: world.here)
        #expect(result.status == 0, "\(result.stderr)")
        func size(_ name: String) -> UInt64? {
            (try? FileManager.default.attributesOfItem(atPath: world.here + "/" + name))?[.size] as? UInt64
        }
        #expect(size("small") == 10)
        #expect(size("forever") == 10)
        #expect(size("unknown") == 3_000_000)
        #expect(size("short") == 3)
        #expect(
            Self.warnings(result.stderr) == [
                "warning: get: /data/u/small: file grew while being read; kept the first 10 bytes, the size the server announced",
                "warning: get: /data/u/forever: file grew while being read; kept the first 10 bytes, the size the server announced",
                "warning: get: /data/u/short: file ended after 3 of the 1000 bytes the server announced",
            ])
    }

    // MARK: Signals

    /// Starts a slow download, sends `signal` once its temporary file exists, and returns Ferry's status.
    func signalDuringDownload(_ signal: String, world: World, server: HostileServer) -> String {
        let script = server.directory + "/slow.scr"
        try? "lcd \(world.here)\nget /data/slow/big\nget /data/slow/big again\n".write(
            toFile: script, atomically: true, encoding: .utf8)
        let command = ([FerryBinary.path, "-b", script] + server.options()).map { "'\($0)'" }.joined(separator: " ")
        return Shell.sh(
            """
            export HOME='\(world.root)'
            \(command) > '\(world.root)/out' 2> '\(world.root)/err' &
            pid=$!
            for i in $(seq 200); do ls -a '\(world.here)' | grep -q ferry- && break; sleep 0.05; done
            kill -\(signal) $pid
            wait $pid
            echo "status=$?"
            """
        ).stdout
    }

    @Test(arguments: [("TERM", 143), ("HUP", 129)])
    func terminationSignalsCleanUpAndExitAsSignalled(signal: String, status: Int) throws {
        let world = World()
        let server = HostileServer(["files": ["/data/slow/big": ["size": 100_000_000, "stream": -1, "delay": 0.05]]])
        let ended = signalDuringDownload(signal, world: world, server: server)
        #expect(ended == "status=\(status)\n", "\(ended)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: world.here) == [])
        let errors = (try? String(contentsOfFile: world.root + "/err", encoding: .utf8)) ?? ""
        #expect(errors.contains("get: interrupted\n"), "\(errors)")
        #expect(errors.contains(":2: terminated by SIG\(signal); stopping"), "\(errors)")
    }

    // MARK: Oversized answers

    /// An answer libssh2 cannot take (a 1 MB name in a listing) fails that command with one clear
    /// reason, and the next command gets a new SFTP channel instead of reading the rest of it.
    @Test func anOversizedAnswerFailsOneCommandAndTheNextGetsANewChannel() throws {
        let world = World()
        let server = HostileServer([
            "dirs": [
                "/data/big": [["name": String(repeating: "x", count: 1_000_000)]],
                "/data/fine": [["name": "ok.txt", "content": "ok\n"]],
            ]
        ])
        let result = server.batch(
            "ls /data/big\nls /data/fine\nget /data/fine/ok.txt\n", in: world.here, extra: ["-be"])
        #expect(result.status == 7, "\(result.stderr)")
        #expect(
            result.stderr.contains(
                "ls: /data/big: the server sent an SFTP answer Ferry cannot read (larger than 256 KiB, or malformed);"
                    + " the SFTP channel is started again for the next command"), "\(result.stderr)")
        #expect(!result.stderr.contains("Timeout waiting"))
        #expect(result.stdout.contains("ok.txt"))
        #expect(try String(contentsOfFile: world.here + "/ok.txt", encoding: .utf8) == "ok\n")
    }

    /// Handles longer than libssh2 keeps make that file's commands fail, and nothing after them.
    @Test func aHandleTooLongFailsItsCommandOnly() {
        let world = World()
        let server = HostileServer(["long_handle": 65536, "files": ["/data/f.txt": ["content": "hello\n"]]])
        let result = server.batch("get /data/f.txt\npwd\n", in: world.here, extra: ["-be"])
        #expect(result.status == 7, "\(result.stderr)")
        #expect(result.stderr.hasPrefix("get: /data/f.txt: "), "\(result.stderr)")
        #expect(!result.stderr.contains("Timeout waiting"))
        #expect(result.stdout.contains("Remote directory is /home/evil"))
        #expect((try? FileManager.default.contentsOfDirectory(atPath: world.here)) == [])
    }

    // MARK: Bounded waits

    /// A server that accepts a command and then stops answering anything (a hung host) is given up
    /// after --timeout of silence, for `run` and for the digest command of -V and verify alike.
    @Test(arguments: ["run echo hi", "get -V f.txt", "verify f.txt"])
    func aServerThatHangsAfterAcceptingACommandIsGivenUp(command: String) throws {
        let world = World()
        try "pwned\n".write(toFile: world.here + "/f.txt", atomically: true, encoding: .utf8)
        let server = HostileServer(["exec": ["hang": true]])
        let start = ContinuousClock.now
        let result = server.batch(
            "lcd \(world.here)\n\(command)\n", in: world.here, extra: ["--timeout", "3", "--retries", "0"])
        let took = ContinuousClock.now - start
        #expect(result.status == 6, "\(result.stderr)")
        #expect(result.stderr.contains("the server sent nothing for 3 s (--timeout)"), "\(result.stderr)")
        #expect(took < .seconds(12), "\(took)")
    }

    /// A server that answers keepalives but never answers the digest command still ends it: the
    /// digest command may take --timeout plus the time to hash the files at 8 MiB/s.
    @Test func aServerThatNeverAnswersTheDigestCommandEndsIt() throws {
        let world = World()
        let server = HostileServer(["exec": ["silent": true]])
        let start = ContinuousClock.now
        let result = server.batch("lcd \(world.here)\nget -V f.txt\n", in: world.here, extra: ["--timeout", "3"])
        let took = ContinuousClock.now - start
        #expect(result.status == 7, "\(result.stderr)")
        #expect(
            result.stderr.contains("cannot verify on 127.0.0.1: it gave no complete answer within 3 s"),
            "\(result.stderr)")
        #expect(took < .seconds(12), "\(took)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: world.here).isEmpty)
    }
}

/// Whether a symbolic link stands at a path (whatever it points at).
enum LocalLink {
    static func exists(_ path: String) -> Bool {
        var info = stat()
        return lstat(path, &info) == 0 && info.st_mode & S_IFMT == S_IFLNK
    }
}
