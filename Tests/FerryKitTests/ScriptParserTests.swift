import FerryBase
import Testing

@testable import FerryCore
@testable import FerryScript
@testable import FerryTransfer

@Suite("Script parser")
struct ScriptParserTests {
    @Test func parsesCommentsBlankLinesAndCommands() throws {
        let script = try ScriptParser.parse(
            "# nightly pull\n\ncd /backup\nlcd /srv/backups/db1\nmget *.tar.gz\n",
            file: "pull.scr")
        #expect(script.lines.map(\.line) == [3, 4, 5])
        #expect(script.lines[0].command == .cd(path: "/backup"))
        #expect(script.lines[1].command == .lcd(path: "/srv/backups/db1"))
        #expect(script.lines[2].command == .transfer(Transfer(kind: .mget, sources: ["*.tar.gz"])))
    }

    @Test func bwlimitTakesOneRateOrAPairOfWays() throws {
        let script = try ScriptParser.parse("bwlimit 2M\nbwlimit off\nbwlimit up=512K,down=4M\n", file: "b.scr")
        #expect(
            script.lines.map(\.command) == [
                .bwlimit(BandwidthCaps(down: 2 << 20, up: 2 << 20)), .bwlimit(.none),
                .bwlimit(BandwidthCaps(down: 4 << 20, up: 512 << 10)),
            ])
        for bad in ["bwlimit", "bwlimit 1M 2M", "bwlimit quick", "bwlimit left=1M"] {
            #expect(throws: ScriptErrors.self, "\(bad)") { try ScriptParser.parse(bad, file: "b.scr") }
        }
    }

    @Test func quotedArgumentsKeepSpacesAndDoubledQuotes() throws {
        let script = try ScriptParser.parse("get \"my file.txt\" \"say \"\"hi\"\".txt\"", file: "q.scr")
        #expect(
            script.lines[0].command
                == .transfer(Transfer(kind: .get, sources: ["my file.txt"], destination: "say \"hi\".txt")))
    }

    @Test func leadingDashMarksAFailureThatDoesNotCount() throws {
        let script = try ScriptParser.parse("-rm old.log\n- mkdir x\nrm y", file: "s.scr")
        #expect(script.lines.map(\.ignoresFailure) == [true, true, false])
        #expect(script.lines[0].text == "rm old.log")
        #expect(script.lines[1].command == .mkdir(paths: ["x"]))
    }

    @Test func reportsEveryErrorInOnePassWithColumnsAndSuggestions() {
        let text = "cd /tmp\nmgte *.gz\n  get\nchmod 999 x\nget \"unterminated\nput -z a\nfrobnicate\n"
        #expect {
            try ScriptParser.parse(text, file: "pull.scr")
        } throws: { error in
            guard let errors = error as? ScriptErrors else { return false }
            let lines = errors.diagnostics.map(\.description)
            return lines == [
                "pull.scr:2:1: error: unknown command 'mgte' (did you mean 'mget'?)",
                "pull.scr:3:6: error: get: missing remote file (usage: get [-r] [-p] [-a] [-V] remote-file [local-file])",
                "pull.scr:4:7: error: chmod: invalid mode '999' (octal like 644, or like u+x,go-w)",
                "pull.scr:5:5: error: unterminated quote",
                "pull.scr:6:5: error: put: unknown option '-z' (usage: put [-r] [-p] [-a] [-V] local-file [remote-file])",
                "pull.scr:7:1: error: unknown command 'frobnicate'",
            ]
        }
    }

    @Test func thePromptLetsAnOpenQuoteRunToTheEndOfTheLine() throws {
        let open = try ScriptParser.parseLine("get \"my report.txt", closingOpenQuote: true)
        let closed = try ScriptParser.parseLine("get \"my report.txt\"")
        #expect(open?.command == closed?.command)
        #expect(throws: ScriptParser.Failure.self) { try ScriptParser.parseLine("get \"my report.txt") }
    }

    @Test func errorsNameTheCommandAsTyped() {
        #expect(
            throws: ScriptParser.Failure(
                column: 6, message: "ls: too many arguments (usage: ls [-1] [-a] [directory | pattern])")
        ) {
            try ScriptParser.parseLine("ls a b")
        }
    }

    @Test func aliasesMapToTheirCommands() throws {
        let script = try ScriptParser.parse("dir\nls -1 /tmp\ndel a\nren a b\nexit\nquit\nbye\n? get", file: "a.scr")
        #expect(
            script.lines.map(\.command) == [
                .ls(List()), .ls(List(path: "/tmp", long: false)), .rm(patterns: ["a"]),
                .mv(sources: ["a"], destination: "b"), .bye, .bye, .bye, .help(topic: "get"),
            ])
    }

    @Test func transferOptions() throws {
        let script = try ScriptParser.parse("get -r -p dir out\nreget big.iso\nput -a x\nmput -- -dash", file: "t.scr")
        #expect(
            script.lines[0].command
                == .transfer(
                    Transfer(kind: .get, sources: ["dir"], destination: "out", recursive: true, preserve: true)))
        #expect(script.lines[1].command == .transfer(Transfer(kind: .reget, sources: ["big.iso"], resume: true)))
        #expect(script.lines[2].command == .transfer(Transfer(kind: .put, sources: ["x"], resume: true)))
        #expect(script.lines[3].command == .transfer(Transfer(kind: .mput, sources: ["-dash"])))
    }

    @Test func localCommandKeepsTheRestOfTheLine() throws {
        let script = try ScriptParser.parse("!ls -l | wc -l > \"out file\"", file: "l.scr")
        #expect(script.lines[0].command == .local(commandLine: "ls -l | wc -l > \"out file\""))
    }

    @Test func openTakesHostAndOptionalPort() throws {
        let script = try ScriptParser.parse(
            "open db1\nopen root@db1 2222\nopen\nopen -P 2200 db1\nopen -P2201 db1", file: "o.scr")
        #expect(
            script.lines.map(\.command) == [
                .open(target: "db1", port: nil), .open(target: "root@db1", port: 2222), .open(target: nil, port: nil),
                .open(target: "db1", port: 2200), .open(target: "db1", port: 2201),
            ])
        for bad in ["open db1 99999", "open -P db1", "open -P 22 db1 23", "open -x db1"] {
            #expect(throws: ScriptErrors.self) { try ScriptParser.parse(bad, file: "o.scr") }
        }
    }

    @Test func windowsLineEndingsAreAccepted() throws {
        let script = try ScriptParser.parse("pwd\r\nlpwd\r\n", file: "w.scr")
        #expect(script.lines.map(\.command) == [.pwd, .lpwd])
    }

    @Test func suggestionsNeedACloseName() {
        #expect(ScriptParser.suggestion(for: "mgte") == "mget")
        #expect(ScriptParser.suggestion(for: "rmdri") == "rmdir")
        #expect(ScriptParser.suggestion(for: "PWD") == "pwd")
        #expect(ScriptParser.suggestion(for: "xyzzyplugh") == nil)
    }
}

@Suite("run parsing")
struct RunParsingTests {
    @Test func optionsThenTheRestOfTheLineAsWritten() throws {
        let script = try ScriptParser.parse(
            "run uname -a\nrun --timeout 30 -o fsck fsck -n /dev/xvda2\n-run dmesg | grep -i \"EXT3-fs error\"\n",
            file: "h.scr")
        #expect(script.lines[0].command == .run(RemoteRun(command: "uname -a")))
        #expect(
            script.lines[1].command == .run(RemoteRun(command: "fsck -n /dev/xvda2", timeout: 30, outputName: "fsck")))
        #expect(script.lines[2].command == .run(RemoteRun(command: "dmesg | grep -i \"EXT3-fs error\"")))
        #expect(script.lines[2].ignoresFailure)
    }

    @Test func badRunLinesAreReported() {
        #expect {
            try ScriptParser.parse("run\nrun --timeout x ls\nrun -o ../x ls\nrun --bogus ls\n", file: "r.scr")
        } throws: { error in
            (error as? ScriptErrors)?.diagnostics.map(\.description) == [
                "r.scr:1:4: error: run: missing command (usage: run [--timeout SECS] [-o NAME] command...)",
                "r.scr:2:5: error: run: --timeout needs a number of seconds",
                "r.scr:3:8: error: run: -o takes a plain file name, not '../x'",
                "r.scr:4:5: error: run: unknown option '--bogus' (usage: run [--timeout SECS] [-o NAME] command...)",
            ]
        }
    }
}

@Suite("ping-mtu probing")
struct MTUProbeTests {
    /// A pretend host: a route through `eth0` (MTU `interfaceMTU`) and a path that passes `pathMTU`.
    final class FakeShell: ProbeShell {
        let interfaceMTU: Int
        let pathMTU: Int
        let busybox: Bool
        var pings = 0

        init(interfaceMTU: Int, pathMTU: Int, busybox: Bool = false) {
            self.interfaceMTU = interfaceMTU
            self.pathMTU = pathMTU
            self.busybox = busybox
        }

        func run(_ command: String) throws(CommandFailure) -> (status: Int32, output: String) {
            if command.hasPrefix("ip ") { return (0, "203.0.113.9 via 198.51.100.1 dev eth0 src 198.51.100.2\n") }
            if command.hasPrefix("cat ") { return (0, "\(interfaceMTU)\n") }
            if busybox { return (1, "ping: invalid option -- 'M'\nBusyBox v1.36 multi-call binary.\n") }
            pings += 1
            let size = Int(command.split(separator: " ").drop { $0 != "-s" }.dropFirst().first ?? "0") ?? 0
            return size + 28 <= pathMTU ? (0, "1 received\n") : (1, "Frag needed and DF set (mtu = \(pathMTU))\n")
        }
    }

    @Test func findsThePathMTUWithFewPingsWhenTheNetworkSaysIt() throws {
        let shell = FakeShell(interfaceMTU: 9000, pathMTU: 1500)
        let figures = try MTUProbe(target: "203.0.113.9", ipv6: false, maximum: nil, shell: shell).measure()
        #expect(figures.pathMTU == 1500 && figures.interfaceMTU == 9000 && figures.reportedMTU == 1500)
        #expect(figures.verdict == .mismatched)
        #expect(figures.explanation.hasSuffix("jumbo frames are not enabled end to end"))
        #expect(shell.pings <= 16)
    }

    @Test func bisectsWhenNothingIsReported() throws {
        final class Silent: ProbeShell {
            func run(_ command: String) throws(CommandFailure) -> (status: Int32, output: String) {
                if command.hasPrefix("ip ") { return (0, "x dev eth0 src y\n") }
                if command.hasPrefix("cat ") { return (0, "9000\n") }
                let size = Int(command.split(separator: " ").drop { $0 != "-s" }.dropFirst().first ?? "0") ?? 0
                return size + 28 <= 4321 ? (0, "") : (1, "100% packet loss\n")
            }
        }
        let figures = try MTUProbe(target: "t", ipv6: false, maximum: nil, shell: Silent()).measure()
        #expect(figures.pathMTU == 4321 && figures.reportedMTU == nil)
    }

    @Test func busyboxPingIsNamedNotMeasured() {
        #expect {
            try MTUProbe(
                target: "t", ipv6: false, maximum: nil,
                shell: FakeShell(
                    interfaceMTU: 1500, pathMTU: 1500,
                    busybox: true)
            ).measure()
        } throws: { error in
            (error as? CommandFailure)?.message.contains("cannot set don't-fragment") == true
        }
    }

    @Test func parsesPingMTUCommands() throws {
        let script = try ScriptParser.parse(
            "ping-mtu 10.0.0.12\nping-mtu --max 4000 -6 db1\nlping-mtu gw\n",
            file: "m.scr")
        #expect(
            script.lines.map(\.command) == [
                .pingMTU(PingMTU(target: "10.0.0.12")), .pingMTU(PingMTU(target: "db1", maximum: 4000, ipv6: true)),
                .pingMTU(PingMTU(target: "gw", local: true)),
            ])
    }
}
