import Foundation
import Testing

/// `--events`: one JSON object a line as things happen, agreeing with the report, with progress at
/// most once a second a transfer and no secrets.
@Suite("Live events", .tags(.integration), .serialized)
struct EventTests {
    let server = TestSSHServer.shared

    func events(_ path: String) throws -> [[String: Any]] {
        let text = try String(contentsOfFile: path, encoding: .utf8)
        return try text.split(separator: "\n").map { line in
            try #require(
                try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any], "not JSON: \(line)")
        }
    }

    @Test func aRunTellsEveryStepAndAgreesWithItsReport() throws {
        let remote = TestSSHServer.scratch("events-remote")
        let local = TestSSHServer.scratch("events-local")
        writeRandomFile(remote + "/big", bytes: 10 << 20)
        // A slow link, so the download takes a few seconds, cut once, so a retry happens.
        let relay = try Relay(to: server, after: 4 << 20, ["slow:3000000", "once"], knownHostsIn: local)
        try "get \(remote)/big big\nrun echo done\n".write(toFile: local + "/s.scr", atomically: true, encoding: .utf8)
        let result = FerryBinary.run(
            [
                "-batch", "-b", "s.scr", "--events", "events.jsonl", "-l", TestSSHServer.passwordUser, "-pw",
                TestSSHServer.password, "-P", String(relay.port), "--known-hosts", "known_hosts", "127.0.0.1",
            ], directory: local)
        #expect(result.status == 0, "\(result.stderr)")
        let all = try events(local + "/events.jsonl")
        let kinds = all.compactMap { $0["event"] as? String }
        #expect(kinds.first == "run-start" && kinds.last == "run-end", "\(kinds)")
        #expect(all.first?["schema"] as? String == "ferry-events/1")
        for kind in ["host-start", "connected", "command-start", "command-end", "progress", "retry", "host-end"] {
            #expect(kinds.contains(kind), "no \(kind) in \(kinds)")
        }
        #expect(kinds.filter { $0 == "connected" }.count == 2, "a reconnect connects again: \(kinds)")
        #expect(all.allSatisfy { ($0["time"] as? String)?.hasSuffix("Z") == true })
        let connected = try #require(all.first { $0["event"] as? String == "connected" })
        #expect((connected["host_key"] as? String)?.contains("SHA256:") == true)
        #expect((connected["methods"] as? [String: String])?["cipher"] != nil)

        // Progress at most once a second for the one transfer, with its total.
        let times = all.filter { $0["event"] as? String == "progress" }.compactMap { event -> Date? in
            #expect(event["total"] as? Int == 10 << 20)
            let formatter = ISO8601DateFormatter()
            formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
            return (event["time"] as? String).flatMap { formatter.date(from: $0) }
        }
        #expect(times.count >= 2, "\(times)")
        for (earlier, later) in zip(times, times.dropFirst()) {
            #expect(later.timeIntervalSince(earlier) >= 0.99, "\(times)")
        }

        // The command ends agree with the report.
        let report = try report(of: result).json
        let commands = try #require((report["hosts"] as? [[String: Any]])?.first?["commands"] as? [[String: Any]])
        let ends = all.filter { $0["event"] as? String == "command-end" }
        #expect(ends.map { $0["status"] as? String } == commands.map { $0["status"] as? String })
        #expect(ends.map { $0["line"] as? Int } == commands.map { $0["line"] as? Int })

        // No secret reaches the events.
        let text = try String(contentsOfFile: local + "/events.jsonl", encoding: .utf8)
        #expect(!text.contains(TestSSHServer.password))
    }

    /// A one-host run stopped by Ctrl-C ends `interrupted`, as a host of a run over many does.
    @Test func anInterruptedOneHostRunEndsInterrupted() throws {
        let remote = TestSSHServer.scratch("events-int-remote")
        let local = TestSSHServer.scratch("events-int-local")
        writeRandomFile(remote + "/big", bytes: 20 << 20)
        let relay = try Relay(to: server, ["slow:2000000"], knownHostsIn: local)
        try "get \(remote)/big big\n".write(toFile: local + "/s.scr", atomically: true, encoding: .utf8)
        let arguments = [FerryBinary.path, "-batch", "-b", "s.scr", "--events", "events.jsonl"] + relay.options
        // Ctrl-C once the download is under way (its first progress event), not after a guessed delay.
        // (Started from Python: a shell's background job would ignore SIGINT, and so would Ferry.)
        let driver = """
            import signal, subprocess, sys, time
            p = subprocess.Popen(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            for _ in range(300):
                try:
                    if '"progress"' in open("events.jsonl").read(): break
                except OSError:
                    pass
                time.sleep(0.05)
            p.send_signal(signal.SIGINT)
            print("status=%d" % p.wait(timeout=30))
            """
        let ran = Shell.run("/usr/bin/python3", ["-c", driver] + arguments, directory: local)
        #expect(ran.stdout == "status=130\n", "\(ran.stdout)")
        let end = try #require(try events(local + "/events.jsonl").first { $0["event"] as? String == "host-end" })
        #expect(end["status"] as? String == "interrupted", "\(end)")
        #expect(end["exit_status"] as? Int == 130)
        #expect(end["reason"] as? String == "interrupted", "\(end)")
    }

    @Test func manyHostsEachStartAndEndAndStandardOutputWorks() throws {
        let local = TestSSHServer.scratch("events-fleet")
        try "pwd\n".write(toFile: local + "/s.scr", atomically: true, encoding: .utf8)
        let closed = TestSSHServer.freePort()
        let result = FerryBinary.run(
            [
                "-b", "s.scr", "--events", "-", "--retries", "0", "-i", server.ed25519Key, "--known-hosts",
                server.knownHosts, "root@127.0.0.1:\(server.port)", "root@127.0.0.1:\(closed)",
            ], directory: local)
        #expect(result.status == 9, "\(result.stderr)")
        let lines = result.stdout.split(separator: "\n").filter { $0.hasPrefix("{") }
        let all = lines.compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
        #expect(all.count == lines.count)
        let ends = all.filter { $0["event"] as? String == "host-end" }
        #expect(Set(ends.compactMap { $0["status"] as? String }) == ["ok", "failed"], "\(ends)")
        let failedEnd = ends.first { $0["status"] as? String == "failed" }
        #expect(failedEnd?["exit_status"] as? Int == 6, "\(ends)")
        #expect(failedEnd?["reason"] as? String == "connection-refused", "\(ends)")
        #expect(all.filter { $0["event"] as? String == "host-start" }.count == 2)
        let summary = try #require(all.last?["summary"] as? [String: Int])
        #expect(summary["ok"] == 1 && summary["failed"] == 1, "\(summary)")

        let clash = FerryBinary.run(["-b", "s.scr", "--events", "-", "--json", "127.0.0.1"], directory: local)
        #expect(clash.status == 2, "\(clash.status) \(clash.stderr)")
        #expect(clash.stderr.contains("--events - and --json"), "\(clash.stderr)")
    }
}

/// What a person watching a run over many hosts on a terminal sees while it runs.
@Suite("Live count on a terminal", .tags(.integration), .serialized)
struct LiveCountTests {
    let server = TestSSHServer.shared

    @Test func theLiveCountShowsBytesMovedAndTheSlowestHosts() throws {
        let remote = TestSSHServer.scratch("live-remote")
        let local = TestSSHServer.scratch("live-local")
        writeRandomFile(remote + "/big", bytes: 24 << 20)
        // One host behind a 2 MB/s link takes about twelve seconds; the other is done at once.
        let slow = try Relay(to: server, ["slow:2000000"], knownHostsIn: local)
        Shell.sh("cat '\(server.knownHosts)' >> '\(local)/known_hosts'")
        try "lcd {host}\nget \(remote)/big big\n".write(toFile: local + "/s.scr", atomically: true, encoding: .utf8)
        let terminal = TerminalSession(
            [
                "-b", "s.scr", "-i", server.ed25519Key, "--known-hosts", "known_hosts", "--retries", "0",
                "root@127.0.0.1:\(server.port)", "root@127.0.0.1:\(slow.port)",
            ], directory: local, home: local)
        #expect(terminal.waitFor("MiB moved", timeout: 20), "\(terminal.screen)")
        #expect(terminal.waitFor("slowest: 127.0.0.1:\(slow.port) 0m", timeout: 20), "\(terminal.screen)")
        #expect(terminal.waitFor("FERRY-EXIT=0", timeout: 60), "\(terminal.screen)")
    }
}
