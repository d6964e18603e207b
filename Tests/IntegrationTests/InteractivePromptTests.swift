import Foundation
import Testing

/// The `ferry>` prompt on a real terminal (tmux): line editing, history, completion, Ctrl-C.
@Suite("Interactive prompt", .tags(.integration))
struct InteractivePromptTests {
    let server = TestSSHServer.shared

    /// Arguments that connect to the test server without prompts.
    func connect() -> [String] {
        ["-P", String(server.port), "-i", server.ed25519Key, "--known-hosts", server.knownHosts, "root@127.0.0.1"]
    }

    @Test func historyIsRecalledAndKeptAcrossRunsWithoutSecrets() throws {
        let home = TestSSHServer.scratch("prompt-home")
        let local = TestSSHServer.scratch("prompt-local")
        let secret = "Hist-Secret-\(UUID().uuidString.prefix(6))"
        let terminal = TerminalSession(
            connect(), directory: local, home: home, environment: ["FERRY_PASSWORD": secret])
        #expect(terminal.waitForCurrentLine("ferry>"))
        terminal.type("lpwd")
        terminal.press("Enter")
        #expect(terminal.waitFor("Current local directory is \(local)"))
        terminal.type("pwd")
        terminal.press("Enter")
        #expect(terminal.waitFor("Remote directory is /root"))
        terminal.type("! echo \(secret) > /dev/null")
        terminal.press("Enter")
        terminal.type(" lpwd")
        terminal.press("Enter")
        #expect(terminal.waitFor("Current local directory is \(local)", count: 2))
        terminal.press("Up", "Up", "Up")
        #expect(terminal.waitForCurrentLine("ferry> lpwd"), "\(terminal.screen)")
        terminal.press("Enter")
        #expect(terminal.waitFor("Current local directory is \(local)", count: 3))
        terminal.type("bye")
        terminal.press("Enter")
        #expect(terminal.waitFor("FERRY-EXIT=0"))

        let file = home + "/.local/state/ferry/history"
        let attributes = try FileManager.default.attributesOfItem(atPath: file)
        #expect((attributes[.posixPermissions] as? Int) == 0o600)
        let saved = try String(contentsOfFile: file, encoding: .utf8)
        #expect(saved.contains("lpwd") && saved.contains("pwd"))
        #expect(!saved.contains(secret), "a line holding the password went into the history")
        #expect(!saved.contains("\\040lpwd"), "a line typed with a leading space went into the history")

        // A new run starts with the old history: Up twice goes past `bye` to the recalled `lpwd`.
        let again = TerminalSession(connect(), directory: local, home: home)
        #expect(again.waitForCurrentLine("ferry>"))
        again.press("Up")
        #expect(again.waitForCurrentLine("ferry> bye"), "\(again.screen)")
        again.press("Up")
        #expect(again.waitForCurrentLine("ferry> lpwd"), "\(again.screen)")
        // Ctrl-R finds an older line by what it contains.
        again.press("C-u", "C-r")
        again.type("pw")
        again.press("Enter")
        #expect(again.waitFor("Remote directory is /root"), "\(again.screen)")
    }

    /// Two prompts at once: each adds its lines to the history file instead of writing its own list over
    /// the other's.
    @Test func twoPromptsAtOnceKeepBothHistories() throws {
        let home = TestSSHServer.scratch("prompt-home")
        let local = TestSSHServer.scratch("prompt-local")
        let first = TerminalSession(connect(), directory: local, home: home)
        let second = TerminalSession(connect(), directory: local, home: home)
        #expect(first.waitForCurrentLine("ferry>") && second.waitForCurrentLine("ferry>"))
        first.type("!echo from-first")
        first.press("Enter")
        #expect(first.waitFor("from-first", count: 2))
        second.type("!echo from-second")
        second.press("Enter")
        #expect(second.waitFor("from-second", count: 2))
        first.type("!echo first-again")
        first.press("Enter")
        #expect(first.waitFor("first-again", count: 2))
        let saved = try String(contentsOfFile: home + "/.local/state/ferry/history", encoding: .utf8)
        for line in ["from-first", "from-second", "first-again"] {
            #expect(saved.contains(line), "\(line) is missing from the history file:\n\(saved)")
        }
    }

    @Test func tabCompletesARemoteNameWithASpace() throws {
        let home = TestSSHServer.scratch("prompt-home")
        let remote = TestSSHServer.scratch("complete-remote", folders: ["archive 2024"])
        let local = TestSSHServer.scratch("complete-local")
        try "quarterly figures\n".write(toFile: remote + "/quarterly report.txt", atomically: true, encoding: .utf8)
        try "other\n".write(toFile: remote + "/quartz.log", atomically: true, encoding: .utf8)
        let terminal = TerminalSession(connect(), directory: local, home: home)
        #expect(terminal.waitForCurrentLine("ferry>"))
        terminal.type("cd \(remote)")
        terminal.press("Enter")
        #expect(terminal.waitFor("Remote directory is now \(remote)"))

        // Two names share "quart": Tab goes that far, a second Tab lists both, one more letter decides.
        terminal.type("get quar")
        terminal.press("Tab")
        #expect(terminal.waitForCurrentLine("ferry> get quart"), "\(terminal.screen)")
        terminal.press("Tab")
        #expect(terminal.waitFor("quartz.log"), "\(terminal.screen)")
        #expect(terminal.screen.contains("quarterly report.txt"))
        terminal.type("e")
        terminal.press("Tab")
        #expect(terminal.waitForCurrentLine("ferry> get \"quarterly report.txt\""), "\(terminal.screen)")
        terminal.press("Enter")
        #expect(terminal.waitFor("=> local:quarterly report.txt"), "\(terminal.screen)")
        let fetched = try String(contentsOfFile: local + "/quarterly report.txt", encoding: .utf8)
        #expect(fetched == "quarterly figures\n")

        // A directory completes with a slash and leaves the quote open for the rest of the path; Enter
        // takes the open quote as running to the end of the line, as psftp does.
        terminal.type("cd ar")
        terminal.press("Tab")
        #expect(terminal.waitForCurrentLine("ferry> cd \"archive 2024/"), "\(terminal.screen)")
        terminal.press("Enter")
        #expect(terminal.waitFor("Remote directory is now \(remote)/archive 2024"), "\(terminal.screen)")

        // Commands complete too.
        terminal.type("lpw")
        terminal.press("Tab")
        #expect(terminal.waitForCurrentLine("ferry> lpwd"), "\(terminal.screen)")
    }

    @Test func ctrlCStopsALargeDownloadAndTheSessionCarriesOn() throws {
        let home = TestSSHServer.scratch("prompt-home")
        let remote = TestSSHServer.scratch("interrupt-remote")
        let local = TestSSHServer.scratch("interrupt-local")
        // A sparse 8 GiB file: long enough to interrupt, costing no disk on the server side.
        Shell.sh("truncate -s 8G '\(remote)/huge.img'")
        try "small\n".write(toFile: remote + "/small.txt", atomically: true, encoding: .utf8)
        let terminal = TerminalSession(connect(), directory: local, home: home)
        #expect(terminal.waitForCurrentLine("ferry>"))
        terminal.type("cd \(remote)")
        terminal.press("Enter")
        terminal.type("get huge.img")
        terminal.press("Enter")
        #expect(terminal.waitFor("ETA"), "no progress meter: \(terminal.screen)")
        terminal.press("C-c")
        #expect(terminal.waitFor("get: interrupted"), "\(terminal.screen)")
        #expect(terminal.waitForCurrentLine("ferry>"), "\(terminal.screen)")
        let left = try FileManager.default.contentsOfDirectory(atPath: local)
        #expect(left.isEmpty, "files left behind: \(left)")

        // The same connection still works: no reconnection, and the next download is whole.
        terminal.type("get small.txt")
        terminal.press("Enter")
        #expect(terminal.waitFor("=> local:small.txt"), "\(terminal.screen)")
        #expect((try? String(contentsOfFile: local + "/small.txt", encoding: .utf8)) == "small\n")
        #expect(!terminal.screen.contains("not connected"))

        // Ctrl-C also stops a remote command, and the prompt comes back at once.
        terminal.type("run sleep 61")
        terminal.press("Enter")
        #expect(Marker.process("^sleep 61$").wait())
        let pressed = Date()
        terminal.press("C-c")
        #expect(terminal.waitFor("run: 'sleep 61': interrupted", timeout: 5), "\(terminal.screen)")
        #expect(Date().timeIntervalSince(pressed) < 5)
        terminal.type("pwd")
        terminal.press("Enter")
        #expect(terminal.waitFor("Remote directory is \(remote)"), "\(terminal.screen)")
    }

    @Test func ctrlCStopsAConnectionThatHangs() {
        let home = TestSSHServer.scratch("prompt-home")
        let silent = ProxyServer.fixture("silent_server")
        let terminal = TerminalSession(["-i", server.ed25519Key], directory: home, home: home)
        #expect(terminal.waitForCurrentLine("ferry>"))
        terminal.type("open root@127.0.0.1:\(silent.port)")
        terminal.press("Enter")
        #expect(Marker.connection(toPort: silent.port).wait())
        let pressed = Date()
        terminal.press("C-c")
        #expect(terminal.waitFor("open 127.0.0.1: interrupted", timeout: 5), "\(terminal.screen)")
        #expect(Date().timeIntervalSince(pressed) < 3)
        terminal.type("lpwd")
        terminal.press("Enter")
        #expect(terminal.waitFor("Current local directory is \(home)"), "\(terminal.screen)")
        #expect(!terminal.screen.contains("FERRY-EXIT"))
    }

    /// Sends `signal` to the ferry process whose command line holds `marker` (not to the shell around it).
    func signalFerry(_ signal: String, marker: String) {
        Shell.sh(
            "for p in $(pgrep -f '\(marker)'); do [ \"$(cat /proc/$p/comm)\" = ferry ] && kill -\(signal) $p; done")
    }

    @Test func sigtermAtThePromptEndsFerryAnd143() {
        let home = TestSSHServer.scratch("prompt-term")
        let terminal = TerminalSession(connect() + ["--diagnostics", home + "/d"], directory: home, home: home)
        #expect(terminal.waitForCurrentLine("ferry>"))
        signalFerry("TERM", marker: home + "/d")
        #expect(terminal.waitFor("FERRY-EXIT=143"), "\(terminal.screen)")
    }

    @Test func sighupDuringALocalCommandReachesItAndEndsFerry() {
        let home = TestSSHServer.scratch("prompt-hup")
        let terminal = TerminalSession(connect() + ["--diagnostics", home + "/d"], directory: home, home: home)
        #expect(terminal.waitForCurrentLine("ferry>"))
        terminal.type("! sleep 62; echo not-stopped")
        terminal.press("Enter")
        #expect(Marker.process("^sleep 62$").wait())
        let sent = Date()
        signalFerry("HUP", marker: home + "/d")
        #expect(terminal.waitFor("FERRY-EXIT=129"), "\(terminal.screen)")
        #expect(Date().timeIntervalSince(sent) < 10)
        #expect(!terminal.screen.split(separator: "\n").contains("not-stopped"), "\(terminal.screen)")
    }

    @Test func ctrlCAtThePromptKeepsFerryAndCtrlDLeaves() {
        let home = TestSSHServer.scratch("prompt-home")
        let terminal = TerminalSession(connect(), directory: home, home: home)
        #expect(terminal.waitForCurrentLine("ferry>"))
        terminal.type("lpwd half-typed")
        terminal.press("C-c")
        #expect(terminal.waitFor("^C"))
        terminal.press("C-c")
        terminal.type("pwd")
        terminal.press("Enter")
        #expect(terminal.waitFor("Remote directory is /root"), "\(terminal.screen)")
        #expect(!terminal.screen.contains("FERRY-EXIT"))
        terminal.press("C-d")
        #expect(terminal.waitFor("FERRY-EXIT=0"), "\(terminal.screen)")
    }

    @Test func openCloseOpenAndMistypedCommands() {
        let home = TestSSHServer.scratch("prompt-home")
        let options = ["-P", String(server.port), "-i", server.ed25519Key, "--known-hosts", server.knownHosts]
        let terminal = TerminalSession(options, directory: home, home: home)
        #expect(terminal.waitFor("no hostname specified"))
        terminal.type("pwd")
        terminal.press("Enter")
        #expect(terminal.waitFor("pwd: not connected to a host; use 'open [user@]host'"))
        for round in 1...3 {
            terminal.type("open root@127.0.0.1")
            terminal.press("Enter")
            #expect(terminal.waitFor("Remote working directory is /root", count: round), "\(terminal.screen)")
            terminal.type("pwd")
            terminal.press("Enter")
            #expect(terminal.waitFor("Remote directory is /root", count: round))
            terminal.type("close")
            terminal.press("Enter")
            terminal.type("pwd")
            terminal.press("Enter")
            #expect(terminal.waitFor("pwd: not connected", count: round + 1), "\(terminal.screen)")
        }
        terminal.type("mgte *.log")
        terminal.press("Enter")
        #expect(terminal.waitFor("error: unknown command 'mgte' (did you mean 'mget'?)"), "\(terminal.screen)")
        terminal.type("help reget")
        terminal.press("Enter")
        #expect(terminal.waitFor("reget [-r] [-p] [-V] remote-file [local-file]"), "\(terminal.screen)")
        terminal.type("bye")
        terminal.press("Enter")
        #expect(terminal.waitFor("FERRY-EXIT=0"))
    }

    @Test func ctrlCStopsABatchWithStatus130AndNoPartialFile() throws {
        let remote = TestSSHServer.scratch("batch-interrupt-remote")
        let local = TestSSHServer.scratch("batch-interrupt-local")
        Shell.sh("truncate -s 8G '\(remote)/huge.img'")
        let script = local + "/pull.scr"
        try "cd \(remote)\nget huge.img\nlpwd\n".write(toFile: script, atomically: true, encoding: .utf8)
        // SIGINT, as Ctrl-C sends it, once the download's part file has bytes in it.
        let result = FerryBinary.interrupted(
            when: .file(local + "/.huge.img.ferry-part", atLeast: 1), ["-b", script] + server.options(),
            directory: local)
        #expect(result.stdout.contains("STATUS=130"), "\(result.stdout)")
        #expect(result.stdout.contains("get: interrupted"), "\(result.stdout)")
        #expect(result.stdout.contains("pull.scr:2: interrupted; stopping"), "\(result.stdout)")
        #expect(!result.stdout.contains("Current local directory"), "the script went on after Ctrl-C")
        let left = try FileManager.default.contentsOfDirectory(atPath: local)
        #expect(left == ["pull.scr"], "files left behind: \(left)")
    }
}
