import Foundation
import Testing

/// Waves, the failure budget and barriers, over the loopback fleet of ``FleetTests``: every host is
/// the same machine, so a host tells itself apart by the address it was reached on (`$SSH_CONNECTION`).
@Suite("Rollouts", .tags(.integration), .serialized)
struct RolloutTests {
    let fleet = FleetTests()

    /// A remote command that fails (exit 3) on the host reached at 127.0.0.`n` only.
    static func failOn(_ n: Int) -> String { "run set -- $SSH_CONNECTION; test \"$3\" != 127.0.0.\(n) || exit 3" }

    /// The report's hosts by label.
    func hosts(_ report: [String: Any]) throws -> [String: [String: Any]] {
        let list = try #require(report["hosts"] as? [[String: Any]])
        return Dictionary(uniqueKeysWithValues: list.map { ($0["host"] as? String ?? "", $0) })
    }

    func label(_ n: Int) -> String { "127.0.0.\(n):\(fleet.port(n))" }

    func events(_ path: String) throws -> [[String: Any]] {
        try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n").map {
            try #require(try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any])
        }
    }

    func time(_ event: [String: Any]) -> Date {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return (event["time"] as? String).flatMap(formatter.date) ?? .distantPast
    }

    @Test func aFailureInTheSecondWaveStartsNoThirdWave() throws {
        let local = TestSSHServer.scratch("waves")
        let known = fleet.knownHosts(in: local)
        // 20 hosts in waves of 1, then 25% (5): the third host of wave 2 (127.0.0.5) fails.
        try ((2...21).map(fleet.target)).joined(separator: "\n")
            .write(toFile: local + "/fleet.txt", atomically: true, encoding: .utf8)
        try (Self.failOn(5) + "\n").write(toFile: local + "/s.scr", atomically: true, encoding: .utf8)
        let result = FerryBinary.run(
            ["-b", "s.scr", "--hosts", "fleet.txt", "--waves", "1,25%", "--max-fail", "0", "--events", "ev.jsonl"]
                + fleet.options(knownHosts: known), directory: local)
        #expect(result.status == 9, "\(result.stdout)\(result.stderr)")
        #expect(result.stdout.contains("20 hosts: 5 ok, 1 failed, 14 not-run"), "\(result.stdout)")
        let (path, json) = try report(of: result)
        let byLabel = try hosts(json)
        for n in 2...21 {
            let entry = byLabel[label(n)] ?? [:]
            let status = n == 5 ? "failed" : n <= 7 ? "ok" : "not-run"
            #expect(entry["status"] as? String == status, "\(n): \(entry)")
            #expect(entry["wave"] as? Int == (n == 2 ? 1 : n <= 7 ? 2 : (n - 8) / 5 + 3), "\(n): \(entry)")
            if status == "not-run" {
                #expect(entry["reason"] as? String == "failure-budget")
                #expect(entry["message"] as? String == "failure budget spent (1 of 20 hosts failed, budget 0)")
                #expect(entry["exit_status"] == nil)
            }
        }
        let waves = try events(local + "/ev.jsonl").filter { $0["event"] as? String == "wave-start" }
        #expect(waves.map { $0["wave"] as? Int } == [1, 2], "\(waves)")
        #expect(waves.map { $0["hosts"] as? Int } == [1, 5])
        #expect(waves.allSatisfy { $0["waves"] as? Int == 5 })

        // Running it again runs exactly the hosts that did not end ok: the failed one and the 14 not run.
        try "pwd\n".write(toFile: local + "/again.scr", atomically: true, encoding: .utf8)
        let again = FerryBinary.run(
            ["-b", "again.scr", "--rerun", path] + fleet.options(knownHosts: known), directory: local)
        #expect(again.status == 0, "\(again.stdout)\(again.stderr)")
        let rerun = try hosts(try report(of: again).json)
        #expect(Set(rerun.keys) == Set(([5] + Array(8...21)).map(label)), "\(rerun.keys.sorted())")
    }

    @Test func aPercentageBudgetHoldsUntilItIsSpent() throws {
        let local = TestSSHServer.scratch("budget")
        let known = fleet.knownHosts(in: local)
        let targets = (2...21).map(fleet.target)
        // 10% of 20 hosts is 2: two failures in the first wave of 5 are within it, and every host runs.
        try "\(Self.failOn(2))\n\(Self.failOn(3))\n".write(
            toFile: local + "/two.scr", atomically: true, encoding: .utf8)
        let within = FerryBinary.run(
            ["-b", "two.scr", "--waves", "5", "--max-fail", "10%", "-be"] + targets + fleet.options(knownHosts: known),
            directory: local)
        #expect(within.status == 9, "\(within.stdout)\(within.stderr)")
        #expect(within.stdout.contains("20 hosts: 18 ok, 2 failed\n"), "\(within.stdout)")

        // A third failure spends it: the three later waves never start.
        try "\(Self.failOn(2))\n\(Self.failOn(3))\n\(Self.failOn(4))\n".write(
            toFile: local + "/three.scr", atomically: true, encoding: .utf8)
        let spent = FerryBinary.run(
            ["-b", "three.scr", "--waves", "5", "--max-fail", "10%", "-be"] + targets
                + fleet.options(knownHosts: known), directory: local)
        #expect(spent.status == 9, "\(spent.stdout)\(spent.stderr)")
        #expect(spent.stdout.contains("20 hosts: 2 ok, 3 failed, 15 not-run"), "\(spent.stdout)")
        #expect(spent.stdout.contains("failure budget spent (3 of 20 hosts failed, budget 2)"), "\(spent.stdout)")
    }

    /// Per-host saved sessions, each starting in a remote folder of its own (every host here shares one
    /// file system), holding `app.tar.gz` ("old") and a `ready` marker.
    func stagedFleet(_ name: String, hosts: ClosedRange<Int>) throws -> (local: String, remote: String, names: [String])
    {
        let local = TestSSHServer.scratch(name + "-local", folders: ["sessions"])
        let remote = TestSSHServer.scratch(name + "-remote")
        let known = fleet.knownHosts(in: local)
        var names: [String] = []
        for n in hosts {
            let name = "h\(n)"
            Shell.sh("mkdir -p \(remote)/\(name) && echo old > \(remote)/\(name)/app.tar.gz")
            try """
            host: 127.0.0.\(n)
            port: \(fleet.port(n))
            user: root
            identity: \(n <= 17 ? FleetTests.first.ed25519Key : FleetTests.second.ed25519Key)
            known-hosts: \(known)
            remote-directory: \(remote)/\(name)
            """.write(toFile: local + "/sessions/\(name).yaml", atomically: true, encoding: .utf8)
            names.append(name)
        }
        try "new\n".write(toFile: local + "/app.tar.gz", atomically: true, encoding: .utf8)
        return (local, remote, names)
    }

    @Test func aBarrierEveryHostReachesLetsThemAllGoOnTogether() throws {
        let (local, remote, names) = try stagedFleet("barrier-pass", hosts: 2...7)
        // Hosts reach the barrier at different times: 127.0.0.N sleeps N tenths of a second first.
        try """
        put app.tar.gz .app.tar.gz.new
        run set -- $SSH_CONNECTION; sleep 0.$${3##*.}
        barrier switch
        mv .app.tar.gz.new app.tar.gz
        """.write(toFile: local + "/deploy.scr", atomically: true, encoding: .utf8)
        let result = FerryBinary.run(
            ["-b", "deploy.scr", "--events", "ev.jsonl"] + names.flatMap { ["-load", $0] }, directory: local)
        #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
        #expect(result.stdout.contains("6 hosts: 6 ok"), "\(result.stdout)")
        for name in names {
            #expect((try? String(contentsOfFile: "\(remote)/\(name)/app.tar.gz", encoding: .utf8)) == "new\n")
            #expect(!FileManager.default.fileExists(atPath: "\(remote)/\(name)/.app.tar.gz.new"))
        }
        let all = try events(local + "/ev.jsonl")
        let reached = all.filter { $0["event"] as? String == "barrier-reached" }
        let released = all.filter { $0["event"] as? String == "barrier-released" }
        let switched = all.filter { $0["event"] as? String == "command-start" && $0["line"] as? Int == 4 }
        #expect(reached.count == 6 && released.count == 6 && switched.count == 6, "\(all)")
        #expect(reached.allSatisfy { $0["barrier"] as? String == "switch" && $0["line"] as? Int == 3 })
        // No host starts the line after the barrier before the last host has reached it.
        let lastArrival = reached.map(time).max() ?? .distantFuture
        let firstSwitch = switched.map(time).min() ?? .distantPast
        #expect(firstSwitch >= lastArrival, "first switch \(firstSwitch), last arrival \(lastArrival)")
        #expect(lastArrival.timeIntervalSince(reached.map(time).min() ?? lastArrival) > 0.3)
    }

    @Test func aHostFailingBeforeTheBarrierHoldsEveryOtherHost() throws {
        let (local, remote, names) = try stagedFleet("barrier-hold", hosts: 2...7)
        try """
        put app.tar.gz .app.tar.gz.new
        \(Self.failOn(5))
        barrier
        mv .app.tar.gz.new app.tar.gz
        """.write(toFile: local + "/deploy.scr", atomically: true, encoding: .utf8)
        let result = FerryBinary.run(
            ["-b", "deploy.scr", "--events", "ev.jsonl"] + names.flatMap { ["-load", $0] }, directory: local)
        #expect(result.status == 9, "\(result.stdout)\(result.stderr)")
        #expect(result.stdout.contains("6 hosts: 1 failed, 5 held"), "\(result.stdout)")
        let byLabel = try hosts(try report(of: result).json)
        for name in names where name != "h5" {
            let entry = byLabel[name] ?? [:]
            #expect(entry["status"] as? String == "held", "\(name): \(entry)")
            #expect(entry["failed_command"] as? String == "line 3: barrier", "\(entry)")
            #expect(
                entry["message"] as? String == "held: failure budget spent (1 of 6 hosts failed, budget 0)", "\(entry)")
        }
        #expect(byLabel["h5"]?["status"] as? String == "failed")
        // Every host staged its file; none switched.
        for name in names {
            #expect((try? String(contentsOfFile: "\(remote)/\(name)/app.tar.gz", encoding: .utf8)) == "old\n")
            #expect((try? String(contentsOfFile: "\(remote)/\(name)/.app.tar.gz.new", encoding: .utf8)) == "new\n")
        }
        let all = try events(local + "/ev.jsonl")
        #expect(!all.contains { $0["event"] as? String == "command-start" && $0["line"] as? Int == 4 })
        #expect(all.filter { $0["event"] as? String == "barrier-held" }.count == 5)
    }

    @Test func aHostCutOffBeforeTheBarrierCountsAsFailedAndARerunTakesTheRest() throws {
        let local = TestSSHServer.scratch("barrier-timeout")
        let known = fleet.knownHosts(in: local)
        // Waves of 2, then 3: wave 1 passes; in wave 2, 127.0.0.5 hangs until --host-timeout cuts it,
        // the other two are held, and wave 3 never starts.
        try """
        run set -- $SSH_CONNECTION; test "$3" != 127.0.0.5 || sleep 60
        barrier
        run echo switched
        """.write(toFile: local + "/s.scr", atomically: true, encoding: .utf8)
        let started = Date()
        let result = FerryBinary.run(
            ["-b", "s.scr", "--waves", "2,3", "--max-fail", "0", "--host-timeout", "3"] + (2...9).map(fleet.target)
                + fleet.options(knownHosts: known), directory: local)
        #expect(Date().timeIntervalSince(started) < 30)
        #expect(result.status == 9, "\(result.stdout)\(result.stderr)")
        #expect(result.stdout.contains("8 hosts: 2 ok, 1 timed-out, 2 held, 3 not-run"), "\(result.stdout)")
        let (path, json) = try report(of: result)
        let byLabel = try hosts(json)
        #expect(byLabel[label(5)]?["status"] as? String == "timed-out")
        for n in [4, 6] { #expect(byLabel[label(n)]?["status"] as? String == "held") }
        #expect(json["exit_status"] as? Int == 9)

        // --rerun takes exactly what did not end ok: the timed-out, held and not-run hosts.
        try "pwd\n".write(toFile: local + "/again.scr", atomically: true, encoding: .utf8)
        let again = FerryBinary.run(
            ["-b", "again.scr", "--rerun", path] + fleet.options(knownHosts: known), directory: local)
        #expect(again.status == 0, "\(again.stdout)\(again.stderr)")
        #expect(Set(try hosts(try report(of: again).json).keys) == Set((4...9).map(label)))
    }

    @Test func barriersThatCouldNeverPassAndBadValuesAreRefusedBeforeConnecting() throws {
        let local = TestSSHServer.scratch("barrier-usage")
        try "barrier\npwd\n".write(toFile: local + "/s.scr", atomically: true, encoding: .utf8)
        let targets = (2...5).map(fleet.target)
        let tooWide = FerryBinary.run(["-b", "s.scr", "--parallel", "2"] + targets, directory: local)
        #expect(tooWide.status == 2)
        #expect(
            tooWide.stderr.contains(
                "s.scr:1: barrier waits for every host of the run at once, but the run has 4 hosts and --parallel 2"),
            "\(tooWide.stderr)")
        for bad in [
            ["--waves", "0"], ["--waves", "1,0%"], ["--waves", "1,,2"], ["--max-fail", "-1"],
            ["--max-fail", "101%"], ["--max-fail", "x"], ["--fail-fast", "--max-fail", "1"],
        ] {
            let result = FerryBinary.run(["-b", "s.scr"] + bad + targets, directory: local)
            #expect(result.status == 2, "\(bad): \(result.stderr)")
            #expect(result.stderr.contains(bad[bad.count - 2]), "\(bad): \(result.stderr)")
        }
        // At the prompt a barrier is refused; on one host it is passed by.
        let single = FerryBinary.run(
            ["-b", "s.scr", fleet.target(2)] + fleet.options(knownHosts: fleet.knownHosts(in: local)), directory: local)
        #expect(single.status == 0, "\(single.stderr)")
    }

    @Test func checkShowsTheWavesTheBudgetAndTheBarriers() throws {
        let local = TestSSHServer.scratch("barrier-check")
        try "pwd\nbarrier stage\npwd\n".write(toFile: local + "/s.scr", atomically: true, encoding: .utf8)
        let result = FerryBinary.run(
            ["-b", "s.scr", "--check", "--waves", "1,50%", "--max-fail", "25%"] + (2...5).map(fleet.target)
                + fleet.options(knownHosts: fleet.knownHosts(in: local)), directory: local)
        #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
        #expect(
            result.stderr.contains(
                "check: 4 hosts in 3 waves (1, 2, 1); failure budget: 1 of 4 hosts (25%); barrier at line 2 (stage)"
                    + " holds every waiting host once more than 1 host has failed"), "\(result.stderr)")
        #expect(result.stdout.contains("check: would wait at barrier stage for every host"), "\(result.stdout)")
    }
}
