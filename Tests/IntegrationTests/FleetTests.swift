import Foundation
import Testing

/// One script against many hosts: one sshd answering on many loopback addresses stands in for a fleet.
@Suite("Many hosts", .tags(.integration), .serialized)
struct FleetTests {
    /// Two servers (sshd listens on at most 16 addresses) answering on 127.0.0.2 to 127.0.0.17 and on
    /// 127.0.0.18 to 127.0.0.26; all but the last three addresses are in the test's known_hosts.
    static let first = TestSSHServer(name: "fleet-a", listen: (2...17).map { "127.0.0.\($0)" })
    static let second = TestSSHServer(name: "fleet-b", listen: (18...26).map { "127.0.0.\($0)" })

    var server: TestSSHServer { Self.first }

    /// `root@127.0.0.N:port` for the server answering on that address.
    func target(_ n: Int) -> String { "root@127.0.0.\(n):\(port(n))" }
    func port(_ n: Int) -> Int { n <= 17 ? Self.first.port : Self.second.port }

    /// A known_hosts file without 127.0.0.24–26, plus `extra` entries for other names of the first server.
    func knownHosts(in folder: String, extra: [String] = []) -> String {
        let lines = [Self.first, Self.second].map {
            (try? String(contentsOfFile: $0.knownHosts, encoding: .utf8)) ?? ""
        }
        .joined(separator: "\n")
        let key =
            lines.split(separator: "\n").first.map { $0.split(separator: " ").dropFirst().joined(separator: " ") } ?? ""
        let kept = lines.split(separator: "\n").filter { line in
            !(24...26).contains { line.hasPrefix("[127.0.0.\($0)]:") }
        }
        let file = folder + "/known_hosts"
        let text = (kept.map(String.init) + extra.map { "\($0) \(key)" }).joined(separator: "\n") + "\n"
        try? text.write(toFile: file, atomically: true, encoding: .utf8)
        return file
    }

    func options(knownHosts: String) -> [String] {
        ["-i", Self.first.ed25519Key, "-i", Self.second.ed25519Key, "--known-hosts", knownHosts]
    }

    @Test func thirtyHostsWhereSomeFailEveryOtherHostCompletes() throws {
        let local = TestSSHServer.scratch("fleet-local")
        let remote = TestSSHServer.scratch("fleet-remote")
        writeRandomFile(remote + "/data.bin", bytes: 8 << 20)
        let expected = checksum(remote + "/data.bin")
        // A host that accepts and never speaks, and one whose connection is cut after 2 MiB.
        let silent = ProxyServer.fixture("silent_server")
        let cutter = ProxyServer.fixture(
            "cutting_forwarder", arguments: ["127.0.0.2", String(server.port), String(2 << 20)])
        let closed = [TestSSHServer.freePort(), TestSSHServer.freePort(), TestSSHServer.freePort()]
        var lines = ["# thirty targets", "\(target(2))  web  # tagged"]
        lines += (3...26).map(target)
        lines += [
            "root@127.0.0.1:\(closed[0])", "root@127.0.0.27:\(closed[1])", "root@127.0.0.28:\(closed[2])",
            "root@127.0.0.1:\(silent.port)", "root@127.0.0.1:\(cutter.port)",
        ]
        try lines.joined(separator: "\n").write(toFile: local + "/fleet.txt", atomically: true, encoding: .utf8)
        let known = knownHosts(in: local, extra: ["[127.0.0.1]:\(cutter.port)"])
        try "run echo hello\nget \(remote)/data.bin {host}/data.bin\nrun echo done\n".write(
            toFile: local + "/pull.scr", atomically: true, encoding: .utf8)

        let started = Date()
        let result = FerryBinary.run(
            ["-b", "pull.scr", "--hosts", "fleet.txt", "--parallel", "8", "--host-timeout", "8", "--retries", "0"]
                + options(knownHosts: known), directory: local)
        let elapsed = Date().timeIntervalSince(started)
        #expect(result.status == 9, "\(result.stdout)\(result.stderr)")
        #expect(elapsed < 40, "the run took \(elapsed) s")
        #expect(result.stdout.contains("30 hosts: 22 ok, 7 failed, 1 timed-out"), "\(result.stdout)")

        let run = try #require(
            try FileManager.default.contentsOfDirectory(atPath: local + "/diagnostics").first)
        let data = try Data(contentsOf: URL(fileURLWithPath: local + "/diagnostics/\(run)/report.json"))
        let report = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        let hosts = try #require(report["hosts"] as? [[String: Any]])
        #expect(hosts.count == 30)
        #expect(report["exit_status"] as? Int == 9)
        func entry(_ label: String) -> [String: Any]? { hosts.first { $0["host"] as? String == label } }

        for n in 2...23 {
            let label = "127.0.0.\(n):\(port(n))"
            #expect(entry(label)?["status"] as? String == "ok", "\(label): \(entry(label) ?? [:])")
            #expect(entry(label)?["exit_status"] as? Int == 0 && entry(label)?["reason"] == nil, "\(label)")
            #expect(checksum(local + "/127.0.0.\(n)_\(port(n))/data.bin") == expected, "\(label)")
        }
        #expect(entry("127.0.0.2:\(port(2))")?["tags"] as? [String] == ["web"])
        for n in 24...26 {
            let host = entry("127.0.0.\(n):\(port(n))")
            #expect(host?["status"] as? String == "failed")
            #expect((host?["message"] as? String)?.contains("is not known") == true, "\(host ?? [:])")
            #expect(host?["failed_command"] as? String == "connect")
            #expect(host?["exit_status"] as? Int == 3 && host?["reason"] as? String == "host-key-unknown")
        }
        for (address, port) in zip(["127.0.0.1", "127.0.0.27", "127.0.0.28"], closed) {
            let host = entry("\(address):\(port)")
            #expect((host?["message"] as? String)?.contains("refused") == true, "\(host ?? [:])")
            #expect(host?["exit_status"] as? Int == 6 && host?["reason"] as? String == "connection-refused")
        }
        let hung = entry("127.0.0.1:\(silent.port)")
        #expect(hung?["status"] as? String == "timed-out", "\(hung ?? [:])")
        #expect(hung?["exit_status"] as? Int == 6 && hung?["reason"] as? String == "host-timeout", "\(hung ?? [:])")
        let dropped = entry("127.0.0.1:\(cutter.port)")
        #expect(dropped?["status"] as? String == "failed", "\(dropped ?? [:])")
        #expect((dropped?["failed_command"] as? String)?.hasPrefix("line 2: get") == true, "\(dropped ?? [:])")
        #expect(dropped?["exit_status"] as? Int == 6, "\(dropped ?? [:])")
        #expect(["connection-lost", "connection-failed"].contains(dropped?["reason"] as? String), "\(dropped ?? [:])")
        // The cut host left nothing behind: no partial file, no temporary file.
        let cutFolder = local + "/127.0.0.1_\(cutter.port)"
        let left = (try? FileManager.default.contentsOfDirectory(atPath: cutFolder)) ?? []
        #expect(left.isEmpty, "left in \(cutFolder): \(left)")
    }

    /// A fleet of one host reached through a relay whose every connection stops answering after
    /// `stallAfter` bytes, and `pull.scr` holding `script` (with `REMOTE` standing for the remote folder).
    func stallingFleet(_ name: String, stallAfter: Int, script: String) throws -> (
        local: String, remote: String, staller: ProxyServer, known: String
    ) {
        let local = TestSSHServer.scratch("\(name)-local")
        let remote = TestSSHServer.scratch("\(name)-remote")
        let staller = ProxyServer.fixture(
            "cutting_forwarder", arguments: ["127.0.0.2", String(server.port), String(stallAfter), "stall"])
        try "root@127.0.0.1:\(staller.port)\n".write(toFile: local + "/fleet.txt", atomically: true, encoding: .utf8)
        let known = knownHosts(in: local, extra: ["[127.0.0.1]:\(staller.port)"])
        try script.replacingOccurrences(of: "REMOTE", with: remote).write(
            toFile: local + "/pull.scr", atomically: true, encoding: .utf8)
        return (local, remote, staller, known)
    }

    @Test func hostTimeoutCutsTheExtraTransferConnectionsToo() throws {
        // Every connection, the extra transfer ones included, stops answering after 400 kB: only the
        // time limit ends it, and it must end all of them (libssh2 alone would wait 60 s).
        let (local, remote, staller, known) = try stallingFleet(
            "fleet-stall", stallAfter: 400 << 10, script: "lcd {host}\nmget REMOTE/*.bin\n")
        for i in 0..<24 { writeRandomFile(remote + "/f\(i).bin", bytes: 256 << 10) }

        let started = Date()
        let result = FerryBinary.run(
            ["-b", "pull.scr", "--hosts", "fleet.txt", "--connections", "4", "--host-timeout", "4", "-v"]
                + options(knownHosts: known), directory: local)
        let elapsed = Date().timeIntervalSince(started)
        #expect(result.stderr.contains("opening 3 extra connection(s)"), "\(result.stderr)")
        #expect(result.stdout.contains("TIMED-OUT"), "\(result.stdout)")
        #expect(elapsed < 20, "the run took \(elapsed) s")
        // Nothing half-written is left under a final name.
        let folder = local + "/127.0.0.1_\(staller.port)"
        for name in (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? [] {
            #expect(FileManager.default.fileExists(atPath: remote + "/" + name), "left behind: \(name)")
            if FileManager.default.fileExists(atPath: remote + "/" + name) {
                #expect(checksum(folder + "/" + name) == checksum(remote + "/" + name), "\(name)")
            }
        }
    }

    @Test func hostTimeoutStopsEveryStreamOfASplitFileAndLeavesNothing() throws {
        let (local, remote, staller, known) = try stallingFleet(
            "fleet-split", stallAfter: 2 << 20, script: "lcd {host}\nget REMOTE/big.bin\n")
        writeRandomFile(remote + "/big.bin", bytes: 64 << 20)
        let started = Date()
        let result = FerryBinary.run(
            ["-b", "pull.scr", "--hosts", "fleet.txt", "--streams", "4", "--host-timeout", "4", "-v"]
                + options(knownHosts: known), directory: local)
        #expect(result.stderr.contains("big.bin: 4 streams"), "\(result.stderr)")
        #expect(result.stdout.contains("TIMED-OUT"), "\(result.stdout)")
        #expect(Date().timeIntervalSince(started) < 20)
        let folder = local + "/127.0.0.1_\(staller.port)"
        let left = (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []
        #expect(left.isEmpty, "left in \(folder): \(left)")
    }

    @Test func downloadsThatWouldCollideAreRefusedBeforeConnecting() throws {
        let local = TestSSHServer.scratch("fleet-collide")
        try "get /etc/hostname\nlcd out\nmget /etc/host*\n".write(
            toFile: local + "/pull.scr", atomically: true, encoding: .utf8)
        let known = knownHosts(in: local)
        let result = FerryBinary.run(
            ["-b", "pull.scr", "root@127.0.0.2:\(server.port)", "root@127.0.0.3:\(server.port)"]
                + options(knownHosts: known), directory: local)
        #expect(result.status == 2)
        #expect(result.stderr.contains("pull.scr:1:1: error: get would write the same local files for every host"))
        #expect(result.stderr.contains("pull.scr:3:1: error: mget would write the same local files"))
        #expect(!FileManager.default.fileExists(atPath: local + "/diagnostics"))

        // With the host in the path, or a folder per host, the same script is accepted.
        try "lcd {host}\nget /etc/hostname\nmget /etc/host*\n".write(
            toFile: local + "/pull.scr", atomically: true, encoding: .utf8)
        let fixed = FerryBinary.run(
            ["-b", "pull.scr", "root@127.0.0.2:\(server.port)", "root@127.0.0.3:\(server.port)"]
                + options(knownHosts: known), directory: local)
        #expect(fixed.status == 0, "\(fixed.stdout)\(fixed.stderr)")
        for n in 2...3 {
            #expect(FileManager.default.fileExists(atPath: local + "/127.0.0.\(n)_\(server.port)/hostname"))
        }
    }

    @Test func badHostsFileLinesAreNamed() throws {
        let local = TestSSHServer.scratch("fleet-bad")
        try "127.0.0.2:\(server.port)\n\n# fine\nweb1! eu\n".write(
            toFile: local + "/fleet.txt", atomically: true, encoding: .utf8)
        try "pwd\n".write(toFile: local + "/s.scr", atomically: true, encoding: .utf8)
        let result = FerryBinary.run(["-b", "s.scr", "--hosts", "fleet.txt"], directory: local)
        #expect(result.status == 2)
        #expect(
            result.stderr.contains(
                "fleet.txt:4: not a saved session, and 'web1!' is not a usable host name: it contains '!'"),
            "\(result.stderr)")
        let missing = FerryBinary.run(["-b", "s.scr", "--hosts", "nowhere.txt"], directory: local)
        #expect(missing.status == 2)
        #expect(missing.stderr.contains("hosts file nowhere.txt: no such file"))
    }

    @Test func repeatedLoadRunsEachSessionAndJsonIsForMachines() throws {
        let local = TestSSHServer.scratch("fleet-load", folders: ["sessions"])
        let known = knownHosts(in: local)
        for name in ["web1", "web2"] {
            let address = name == "web1" ? "127.0.0.4" : "127.0.0.5"
            try """
            host: \(address)
            port: \(server.port)
            user: root
            identity: \(server.ed25519Key)
            known-hosts: \(known)
            """.write(toFile: local + "/sessions/\(name).yaml", atomically: true, encoding: .utf8)
        }
        try "run echo same everywhere\n".write(toFile: local + "/s.scr", atomically: true, encoding: .utf8)
        let result = FerryBinary.run(["-b", "s.scr", "-load", "web1", "-load", "web2", "--json"], directory: local)
        #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
        let report = try #require(
            try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any], "\(result.stdout)")
        let hosts = try #require(report["hosts"] as? [[String: Any]])
        #expect(hosts.map { $0["host"] as? String } == ["web1", "web2"])
        #expect(hosts.allSatisfy { ($0["output"] as? String)?.contains("same everywhere") == true })
        #expect((report["summary"] as? [String: Int])?["ok"] == 2)

        // --gather prints the identical output once, for both hosts.
        let gathered = FerryBinary.run(["-b", "s.scr", "-load", "web1", "-load", "web2", "--gather"], directory: local)
        #expect(gathered.stdout.contains("web1,web2 (2)"), "\(gathered.stdout)")
        #expect(gathered.stdout.components(separatedBy: "same everywhere").count == 2)

        // --stream prefixes each line with its host.
        let streamed = FerryBinary.run(["-b", "s.scr", "-load", "web1", "-load", "web2", "--stream"], directory: local)
        #expect(streamed.stdout.contains("web1: same everywhere"))
        #expect(streamed.stdout.contains("web2: same everywhere"))
    }

    /// A remote command that prints one endless line costs --stream time and memory in proportion to
    /// its size: the line goes on in 64 KiB pieces.
    @Test func streamingALineWithoutEndIsLinear() throws {
        let local = TestSSHServer.scratch("fleet-long-line")
        let known = knownHosts(in: local)
        try "run head -c 30000000 /dev/zero | tr '\\0' x\n".write(
            toFile: local + "/s.scr", atomically: true, encoding: .utf8)
        let arguments = ["-b", "s.scr", "--stream", target(6), target(7)] + options(knownHosts: known)
        let result = Shell.run(
            "/usr/bin/time", ["-f", "peak=%M seconds=%e", FerryBinary.path] + arguments,
            environment: ["HOME": local, "PATH": "/usr/bin:/bin"], directory: local)
        #expect(result.status == 0, "\(result.stderr.suffix(500))")
        let pieces = result.stdout.split(separator: "\n").filter { $0.hasSuffix("xxxx") }
        #expect(pieces.count == 2 * (30_000_000 / 65_536 + 1), "\(pieces.count)")
        let peak = Int(result.stderr.split(separator: "peak=").last?.prefix { $0.isNumber } ?? "") ?? .max
        let seconds = Double(result.stderr.split(separator: "seconds=").last?.prefix { $0 != "\n" } ?? "") ?? 999
        // Held whole and copied per chunk, the line took minutes; in pieces, seconds.
        #expect(seconds < 60, "\(seconds) s")
        #expect(peak < 300_000, "peak \(peak) KiB")
    }

    @Test func failFastStartsNoMoreHostsAfterAFailure() throws {
        let local = TestSSHServer.scratch("fleet-failfast")
        let known = knownHosts(in: local)
        try "run false\n".write(toFile: local + "/s.scr", atomically: true, encoding: .utf8)
        let targets = (6...9).map { "root@127.0.0.\($0):\(server.port)" }
        let result = FerryBinary.run(
            ["-b", "s.scr", "--parallel", "1", "--fail-fast"] + targets + options(knownHosts: known),
            directory: local)
        #expect(result.status == 9)
        #expect(result.stdout.contains("4 hosts: 1 failed, 3 not-run"), "\(result.stdout)")
    }

    @Test func maxSessionsMakesHostsWaitForAFreeConnection() throws {
        let local = TestSSHServer.scratch("fleet-max-sessions")
        let known = knownHosts(in: local)
        try "run sleep 0.3\n".write(toFile: local + "/s.scr", atomically: true, encoding: .utf8)
        let targets = (2...7).map(target)
        let result = FerryBinary.run(
            ["-b", "s.scr", "--parallel", "6", "--max-sessions", "2", "-v"] + targets + options(knownHosts: known),
            directory: local)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("6 hosts: 6 ok"), "\(result.stdout)")
        #expect(
            result.stderr.contains("waiting for one of the 2 open connections (--max-sessions) to close"),
            "\(result.stderr)")
        // Said once, without -v: --parallel asked for more hosts at once than the cap lets connect.
        let capped = "ferry: --parallel 6 runs at most 2 hosts at once: --max-sessions 2 caps the connections"
        #expect(result.stderr.components(separatedBy: capped).count == 2, "\(result.stderr)")
        let invalid = FerryBinary.run(["--max-sessions", "0", "root@127.0.0.1"])
        #expect(invalid.status != 0)
        #expect(invalid.stderr.contains("--max-sessions must be between 1 and 4096"), "\(invalid.stderr)")
    }

    /// Waiting for a connection slot does not count against --host-timeout: six hosts of about a
    /// second each, two at a time, all finish within a 2 s limit though the last wait 2 s to start.
    @Test func hostTimeoutCountsFromTheConnectionSlot() throws {
        let local = TestSSHServer.scratch("fleet-slot-clock")
        let known = knownHosts(in: local)
        try "run sleep 1\n".write(toFile: local + "/s.scr", atomically: true, encoding: .utf8)
        let result = FerryBinary.run(
            ["-b", "s.scr", "--parallel", "6", "--max-sessions", "2", "--host-timeout", "2", "--diagnostics", "d"]
                + (2...7).map(target) + options(knownHosts: known), directory: local)
        #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
        #expect(result.stdout.contains("6 hosts: 6 ok"), "\(result.stdout)")
        let run = try #require(try FileManager.default.contentsOfDirectory(atPath: local + "/d").first)
        let data = try Data(contentsOf: URL(fileURLWithPath: local + "/d/\(run)/report.json"))
        let report = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        let durations = (report["hosts"] as? [[String: Any]] ?? []).compactMap { $0["duration_seconds"] as? Double }
        #expect(durations.count == 6 && durations.allSatisfy { $0 < 2 }, "\(durations)")
    }

    @Test func ctrlCStopsEveryHostIncludingOneStillConnecting() throws {
        let local = TestSSHServer.scratch("fleet-interrupt")
        let known = knownHosts(in: local)
        let silent = ProxyServer.fixture("silent_server")
        try "run sleep 33\n".write(toFile: local + "/s.scr", atomically: true, encoding: .utf8)
        let arguments =
            ["-b", "s.scr", target(7), target(8), "root@127.0.0.1:\(silent.port)"] + options(knownHosts: known)
        // Ctrl-C once both commands run (the third host never gets past connecting).
        let result = FerryBinary.interrupted(when: .process("^sleep 33$", count: 2), arguments, directory: local)
        #expect(result.stdout.contains("STATUS=130"), "\(result.stdout)")
        #expect(result.stdout.contains("3 hosts: 3 interrupted"), "\(result.stdout)")
        let seconds = result.stdout.split(separator: "SECONDS=").last.flatMap { Int($0.prefix { $0.isNumber }) } ?? 99
        #expect(seconds < 10, "\(result.stdout)")
    }

    @Test func rerunRunsOnlyTheHostsThatDidNotEndOk() throws {
        let local = TestSSHServer.scratch("fleet-rerun")
        // 127.0.0.24 is missing from the first known_hosts, so it fails the first run.
        try [target(2), target(3), target(24)].joined(separator: "\n")
            .write(toFile: local + "/fleet.txt", atomically: true, encoding: .utf8)
        try "pwd\n".write(toFile: local + "/s.scr", atomically: true, encoding: .utf8)
        let first = FerryBinary.run(
            ["-b", "s.scr", "--hosts", "fleet.txt"] + options(knownHosts: knownHosts(in: local)), directory: local)
        #expect(first.status != 0)
        let earlier = try report(of: first)
        #expect((earlier.json["hosts"] as? [[String: Any]])?.count == 3)

        // With every key known, the report alone names what to run again.
        let everyKey = local + "/every_known_host"
        let keys = [Self.first, Self.second].map { (try? String(contentsOfFile: $0.knownHosts, encoding: .utf8)) ?? "" }
        try keys.joined(separator: "\n").write(toFile: everyKey, atomically: true, encoding: .utf8)
        let again = FerryBinary.run(
            ["-b", "s.scr", "--rerun", earlier.path] + options(knownHosts: everyKey), directory: local)
        #expect(again.status == 0, "\(again.stdout)\(again.stderr)")
        let rerun = try report(of: again)
        let hosts = try #require(rerun.json["hosts"] as? [[String: Any]])
        #expect(hosts.count == 1 && (hosts.first?["host"] as? String)?.contains("127.0.0.24") == true, "\(hosts)")
        #expect(hosts.first?["status"] as? String == "ok")
        #expect(rerun.json["continues"] as? String == earlier.path)

        // With the hosts file too, it keeps to the hosts that failed; a report where all went well
        // leaves nothing to run.
        let filtered = FerryBinary.run(
            ["-b", "s.scr", "--hosts", "fleet.txt", "--rerun", earlier.path] + options(knownHosts: everyKey),
            directory: local)
        #expect(filtered.status == 0, "\(filtered.stdout)\(filtered.stderr)")
        #expect((try report(of: filtered).json["hosts"] as? [[String: Any]])?.count == 1)
        let nothing = FerryBinary.run(
            ["-b", "s.scr", "--rerun", rerun.path] + options(knownHosts: everyKey), directory: local)
        #expect(nothing.status == 2)
        #expect(nothing.stderr.contains("every host ended ok; nothing to run again"), "\(nothing.stderr)")
    }
}
