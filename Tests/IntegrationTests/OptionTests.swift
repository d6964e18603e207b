import Foundation
import Testing

@Suite("Command-line options", .tags(.integration))
struct OptionTests {
    let server = TestSSHServer.shared

    @Test func echoPrintsEachCommandWithThePrompt() {
        let result = server.batch("pwd\nlpwd\n", in: "/tmp", extra: ["-bc"])
        #expect(result.stdout.contains("ferry> pwd\nRemote directory is /root\nferry> lpwd\n"))
    }

    @Test func withoutBeTheFirstFailureStopsTheScript() {
        let local = TestSSHServer.scratch("stop")
        let result = server.batch("get /no/such/file\n!touch ran-anyway\n", in: local)
        #expect(result.status == 7)
        #expect(result.stderr.contains("get: /no/such/file: no such file or directory"))
        #expect(result.stderr.contains("command failed; stopping (-be keeps going)"))
        #expect(!FileManager.default.fileExists(atPath: local + "/ran-anyway"))
    }

    @Test func beKeepsGoingButTheExitStatusStillFails() {
        let local = TestSSHServer.scratch("keep-going")
        let result = server.batch("get /no/such/file\n!touch ran-anyway\n", in: local, extra: ["-be"])
        #expect(result.status == 7)
        #expect(FileManager.default.fileExists(atPath: local + "/ran-anyway"))
    }

    @Test func leadingDashLetsALineFailWithoutCounting() {
        let local = TestSSHServer.scratch("dash")
        let result = server.batch("-rm /no/such/file\n!touch after\n", in: local)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stderr.contains("rm: /no/such/file: nothing matched") || result.stderr.contains("no such file"))
        #expect(FileManager.default.fileExists(atPath: local + "/after"))
    }

    @Test func syntaxErrorsAreAllReportedAndNothingConnects() {
        let local = TestSSHServer.scratch("syntax")
        let script = local + "/bad.scr"
        try? "!touch should-not-exist\nmgte *.gz\nget\n".write(toFile: script, atomically: true, encoding: .utf8)
        // Port 1 is closed: a connection attempt would fail differently.
        let result = FerryBinary.run(["-batch", "-P", "1", "-b", script, "root@127.0.0.1"], directory: local)
        #expect(result.status == 2)
        #expect(result.stderr.contains("\(script):2:1: error: unknown command 'mgte' (did you mean 'mget'?)"))
        #expect(result.stderr.contains("\(script):3:4: error: get: missing remote file"))
        #expect(!FileManager.default.fileExists(atPath: local + "/should-not-exist"))
    }

    @Test func userAndPortOptions() {
        let result = FerryBinary.run(
            [
                "-batch", "-P", String(server.port), "-l", "root", "-i", server.ed25519Key,
                "--known-hosts", server.knownHosts, "-b", "/dev/stdin", "127.0.0.1",
            ],
            input: "pwd\n")
        #expect(result.status == 0, "\(result.stderr)")
        let hostPort = FerryBinary.run(
            [
                "-batch", "-i", server.ed25519Key, "--known-hosts", server.knownHosts, "-b",
                "/dev/stdin", "root@127.0.0.1:\(server.port)",
            ], input: "pwd\n")
        #expect(hostPort.status == 0, "\(hostPort.stderr)")
        // A port in the target wins over -P, as user@ wins over -l.
        let both = FerryBinary.run(
            [
                "-batch", "-P", "1", "-l", "nobody", "-i", server.ed25519Key, "--known-hosts", server.knownHosts, "-b",
                "/dev/stdin", "root@127.0.0.1:\(server.port)",
            ], input: "pwd\n")
        #expect(both.status == 0, "\(both.stderr)")
        #expect(both.stdout.contains("Remote directory is /root"))
    }

    @Test func verboseAndCompression() {
        let result = server.batch("pwd\n", in: "/tmp", extra: ["-v", "-C"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stderr.contains("compression: zlib"))
        #expect(result.stderr.contains("host key: ssh-ed25519 \(server.hostKeyFingerprint)"))
        let quiet = server.batch("pwd\n", in: "/tmp")
        #expect(quiet.stderr.isEmpty)
    }

    @Test func addressFamilies() {
        let v6 = TestSSHServer(name: "ipv6", listen: ["127.0.0.1", "[::1]"])
        defer { v6.stop() }
        let base = [
            "-batch", "-P", String(v6.port), "-i", v6.ed25519Key, "--known-hosts", v6.knownHosts, "-b",
            "/dev/stdin", "-v",
        ]
        let six = FerryBinary.run(base + ["-6", "root@::1"], input: "pwd\n")
        #expect(six.status == 0, "\(six.stderr)")
        let four = FerryBinary.run(base + ["-4", "root@127.0.0.1"], input: "pwd\n")
        #expect(four.status == 0, "\(four.stderr)")
        let wrongFamily = FerryBinary.run(base + ["-6", "root@127.0.0.1"], input: "pwd\n")
        #expect(wrongFamily.status == 6)
        #expect(wrongFamily.stderr.contains("cannot resolve host '127.0.0.1'"))
    }

    @Test func versionAndHelp() {
        let version = FerryBinary.run(["-V"])
        #expect(version.status == 0)
        #expect(version.stdout.hasPrefix("ferry "))
        let help = FerryBinary.run(["-h"])
        #expect(help.status == 0)
        for option in ["-b <file>", "-bc", "-be", "-batch", "-load", "-pw", "-hostkey", "-noagent", "-agent"] {
            #expect(help.stdout.contains(option), "\(option)")
        }
    }

    @Test func refusedConnectionIsExitSix() {
        let result = FerryBinary.run(["-batch", "-P", "1", "-b", "/dev/stdin", "root@127.0.0.1"], input: "pwd\n")
        #expect(result.status == 6)
        #expect(result.stderr == "ferry: 127.0.0.1: connection to 127.0.0.1 port 1 refused\n")
    }

    @Test func timeoutBoundsEveryNetworkWaitNotOnlyConnecting() throws {
        let local = TestSSHServer.scratch("timeout-local")
        let remote = TestSSHServer.scratch("timeout-remote")
        writeRandomFile(remote + "/big.bin", bytes: 8 << 20)
        // The server answers the login and then stops answering, 400 kB into the download.
        let staller = try Relay(to: server, after: 400 << 10, ["stall"], knownHostsIn: local)
        try "get \(remote)/big.bin big.bin\n".write(toFile: local + "/pull.scr", atomically: true, encoding: .utf8)

        let started = Date()
        let result = FerryBinary.run(
            [
                "-batch", "-b", "pull.scr", "--timeout", "3", "--retries", "0", "-P", String(staller.port), "-i",
                server.ed25519Key,
                "--known-hosts", "known_hosts", "root@127.0.0.1",
            ], directory: local)
        let elapsed = Date().timeIntervalSince(started)
        #expect(result.status != 0)
        // Given up once: closing the file and saying goodbye do not wait out the timeout again.
        #expect(elapsed < 6, "the run took \(elapsed) s")
        #expect(
            result.stderr.contains("get: \(remote)/big.bin: read: the server sent nothing for 3 s (--timeout)\n"),
            "\(result.stderr)")
        let left = try FileManager.default.contentsOfDirectory(atPath: local).filter { $0.contains("big") }
        #expect(left.isEmpty, "left behind: \(left)")
    }

    @Test func pipedCommandsRunAsABatch() {
        let result = FerryBinary.run(server.options(), input: "pwd\nget /no/such\n")
        #expect(result.stdout.contains("Remote directory is /root"))
        #expect(result.status == 7)
    }
}
