import Foundation
import Testing

/// Transfer caps (`--bwlimit`, `--bwlimit-host`, `bwlimit-host`, the script's `bwlimit`) against real
/// sshd instances behind the WAN relay (10 ms each way, 64 MB/s: far faster than any cap here, so the
/// cap is what the times show). The margins are wide enough for a busy machine; `make bench-bwlimit`
/// measures the exact figures.
@Suite("Bandwidth caps", .tags(.integration), .serialized)
struct BandwidthTests {
    let server = TestSSHServer.shared

    /// A second server, for runs where two hosts share a cap.
    static let other = TestSSHServer(name: "bandwidth")

    /// A WAN relay in front of each server, and a known_hosts in `folder` naming each under its relay's port.
    func relays(to servers: [TestSSHServer], in folder: String) throws -> [ProxyServer] {
        var lines = ""
        var relays: [ProxyServer] = []
        for server in servers {
            let relay = ProxyServer.wanRelay(to: server.port, delay: 10, rate: 64_000_000)
            try server.writeKnownHosts(forPort: relay.port, to: folder + "/known_hosts")
            lines += try String(contentsOfFile: folder + "/known_hosts", encoding: .utf8)
            relays.append(relay)
        }
        try lines.write(toFile: folder + "/known_hosts", atomically: true, encoding: .utf8)
        return relays
    }

    /// Runs `script` on one host through a relay, with `extra` options; returns the run and its report.
    func runOne(_ script: String, in folder: String, extra: [String]) throws -> (RunResult, [String: Any]) {
        let relay = try relays(to: [server], in: folder)[0]
        try script.write(toFile: folder + "/s.scr", atomically: true, encoding: .utf8)
        let result = FerryBinary.run(
            ["-batch", "-b", "s.scr", "--diagnostics", "diag"] + extra
                + [
                    "-P", String(relay.port), "-i", server.ed25519Key, "--known-hosts", "known_hosts", "root@127.0.0.1",
                ],
            directory: folder)
        return (result, try report(of: result).json)
    }

    /// Each command's seconds, in order, from a report's hosts.
    func seconds(_ report: [String: Any]) -> [Double] {
        let hosts = report["hosts"] as? [[String: Any]] ?? []
        return hosts.flatMap {
            ($0["commands"] as? [[String: Any]] ?? []).compactMap { $0["duration_seconds"] as? Double }
        }
    }

    @Test func aCappedGetTakesAsLongAsTheCapSaysAndSaysSo() throws {
        let folder = TestSSHServer.scratch("bw-get")
        writeRandomFile(folder + "/big.bin", bytes: 64 << 20)
        let (result, json) = try runOne(
            "get \(folder)/big.bin copy.bin\n", in: folder, extra: ["--bwlimit", "4M", "--events", "events.jsonl"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(checksum(folder + "/copy.bin") == checksum(folder + "/big.bin"))
        // 64 MiB at 4 MiB/s: 16 s, within 5%.
        let taken = try #require(seconds(json).first)
        #expect(taken >= 15.2 && taken <= 16.8, "took \(taken) s")
        let cap = ["down": 4 << 20, "up": 4 << 20]
        #expect(json["bwlimit"] as? [String: Int] == cap)
        let command = try #require((json["hosts"] as? [[String: Any]])?.first?["commands"] as? [[String: Any]])
        #expect(command.first?["bwlimit"] as? [String: Int] == cap)
        // The progress events say the cap, and their rates stay near it.
        let events = try String(contentsOfFile: folder + "/events.jsonl", encoding: .utf8).split(separator: "\n")
            .compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
            .filter { $0["event"] as? String == "progress" }
        #expect(events.count >= 10)
        #expect(events.allSatisfy { $0["cap"] as? Int == 4 << 20 })
        let rates = events.dropFirst(3).compactMap { $0["rate"] as? Int }
        #expect(rates.allSatisfy { Double($0) < Double(4 << 20) * 1.3 }, "\(rates)")
    }

    @Test func twoHostsWithTwoStreamsEachShareTheRunCapFairly() throws {
        let folder = TestSSHServer.scratch("bw-fair")
        writeRandomFile(folder + "/half.bin", bytes: 32 << 20)
        let relays = try relays(to: [server, Self.other], in: folder)
        try relays.map { "root@127.0.0.1:\($0.port)\n" }.joined().write(
            toFile: folder + "/hosts", atomically: true, encoding: .utf8)
        try "lcd {host}\nget \(folder)/half.bin\n".write(toFile: folder + "/s.scr", atomically: true, encoding: .utf8)
        // Each server authorises its own keys: both keys are offered.
        let result = FerryBinary.run(
            [
                "-batch", "-b", "s.scr", "--hosts", "hosts", "--bwlimit", "8M", "--streams", "2", "--connections",
                "2", "-i", server.ed25519Key, "-i", Self.other.ed25519Key, "--known-hosts", "known_hosts",
                "--events", "events.jsonl", "--diagnostics", "diag",
            ], directory: folder)
        #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
        let events = try String(contentsOfFile: folder + "/events.jsonl", encoding: .utf8).split(separator: "\n")
            .compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
        let gets = events.filter {
            $0["event"] as? String == "command-end" && ($0["command"] as? String)?.hasPrefix("get") == true
        }
        #expect(gets.count == 2)
        // When the first host is done, the other must have moved at least two thirds as much.
        let first = try #require(gets.min { ($0["time"] as? String ?? "") < ($1["time"] as? String ?? "") })
        let firstHost = first["host"] as? String
        let firstTime = first["time"] as? String ?? ""
        let otherBytes =
            events.filter {
                $0["event"] as? String == "progress" && $0["host"] as? String != firstHost
                    && ($0["time"] as? String ?? "") <= firstTime
            }
            .compactMap { $0["bytes"] as? Int }.max() ?? 0
        #expect(Double(32 << 20) / Double(max(otherBytes, 1)) <= 1.5, "the other host had moved \(otherBytes) bytes")
        // Together they kept to the cap: 64 MiB at 8 MiB/s is 8 s.
        let durations = try report(of: result).json["hosts"] as? [[String: Any]] ?? []
        let longest = durations.compactMap { $0["duration_seconds"] as? Double }.max() ?? 0
        #expect(longest >= 7.6 && longest <= 10, "the run took \(longest) s")
    }

    @Test func aHostCapHoldsAloneAndTheLowerCapWinsWithTheRunCap() throws {
        let folder = TestSSHServer.scratch("bw-host")
        writeRandomFile(folder + "/eight.bin", bytes: 8 << 20)
        let script = "get \(folder)/eight.bin copy.bin\n"
        // Alone: 8 MiB at 2 MiB/s.
        let (alone, aloneReport) = try runOne(script, in: folder, extra: ["--bwlimit-host", "2M"])
        #expect(alone.status == 0, "\(alone.stderr)")
        let aloneSeconds = try #require(seconds(aloneReport).first)
        #expect(aloneSeconds >= 3.6 && aloneSeconds <= 5, "took \(aloneSeconds) s")
        let host = (aloneReport["hosts"] as? [[String: Any]])?.first
        #expect(host?["bwlimit"] as? [String: Int] == ["down": 2 << 20, "up": 2 << 20])
        // The run's cap is lower: it holds.
        let (lower, lowerReport) = try runOne(script, in: folder, extra: ["--bwlimit-host", "8M", "--bwlimit", "2M"])
        #expect(lower.status == 0, "\(lower.stderr)")
        let lowerSeconds = try #require(seconds(lowerReport).first)
        #expect(lowerSeconds >= 3.6 && lowerSeconds <= 5, "took \(lowerSeconds) s")
        // The host's cap is lower: it holds; a cap on uploads only leaves downloads alone.
        let (host2, host2Report) = try runOne(
            script, in: folder, extra: ["--bwlimit-host", "down=2M", "--bwlimit", "8M"])
        #expect(host2.status == 0, "\(host2.stderr)")
        let host2Seconds = try #require(seconds(host2Report).first)
        #expect(host2Seconds >= 3.6 && host2Seconds <= 5, "took \(host2Seconds) s")
        let (free, freeReport) = try runOne(script, in: folder, extra: ["--bwlimit-host", "up=1M"])
        #expect(free.status == 0, "\(free.stderr)")
        #expect(try #require(seconds(freeReport).first) < 2)
    }

    @Test func hostsFileLinesAndSavedSessionsCapTheirHostsOnly() throws {
        let folder = TestSSHServer.scratch("bw-lines")
        writeRandomFile(folder + "/four.bin", bytes: 4 << 20)
        let relays = try relays(to: [server, Self.other], in: folder)
        // The first host's line caps it at 1 MiB/s; the second is free.
        try "root@127.0.0.1:\(relays[0].port) slow bwlimit-host=down=1M\nroot@127.0.0.1:\(relays[1].port) fast\n"
            .write(toFile: folder + "/hosts", atomically: true, encoding: .utf8)
        try "lcd {host}\nget \(folder)/four.bin\n".write(toFile: folder + "/s.scr", atomically: true, encoding: .utf8)
        let keys = ["-i", server.ed25519Key, "-i", Self.other.ed25519Key, "--known-hosts", "known_hosts"]
        let result = FerryBinary.run(
            ["-batch", "-b", "s.scr", "--hosts", "hosts", "--diagnostics", "diag"] + keys, directory: folder)
        #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
        let hosts = try report(of: result).json["hosts"] as? [[String: Any]] ?? []
        let byHost = Dictionary(
            hosts.map { ($0["host"] as? String ?? "", $0["duration_seconds"] as? Double ?? 0) },
            uniquingKeysWith: { $1 })
        let slow = byHost["127.0.0.1:\(relays[0].port)"] ?? 0
        let fast = byHost["127.0.0.1:\(relays[1].port)"] ?? 0
        #expect(slow >= 3.6 && slow <= 5.5, "the capped host took \(slow) s")
        #expect(fast < 2.5, "the free host took \(fast) s")

        // A saved session's bwlimit-host caps the host it names.
        let sessions = folder + "/sessions"
        let saved = FerryBinary.run(
            [
                "session", "save", "--sessions", sessions, "capped", "--host", "127.0.0.1", "--port",
                String(relays[0].port), "--user", "root", "-i", server.ed25519Key, "--known-hosts",
                folder + "/known_hosts", "--bwlimit-host", "2M",
            ], directory: folder)
        #expect(saved.status == 0, "\(saved.stderr)")
        let yaml = try String(contentsOfFile: sessions + "/capped.yaml", encoding: .utf8)
        #expect(yaml.contains("bwlimit-host: '2M'"), "\(yaml)")
        try "get \(folder)/four.bin copy.bin\n".write(toFile: folder + "/one.scr", atomically: true, encoding: .utf8)
        let loaded = FerryBinary.run(
            ["-batch", "-b", "one.scr", "--sessions", sessions, "-load", "capped", "--diagnostics", "diag"],
            directory: folder)
        #expect(loaded.status == 0, "\(loaded.stderr)")
        let taken = try #require(seconds(try report(of: loaded).json).first)
        #expect(taken >= 1.8 && taken <= 3, "took \(taken) s")
    }

    @Test func aBwlimitLineCapsWhatFollowsItAndOffLiftsIt() throws {
        let folder = TestSSHServer.scratch("bw-switch")
        writeRandomFile(folder + "/eight.bin", bytes: 8 << 20)
        let script = """
            get \(folder)/eight.bin a.bin
            bwlimit 2M
            get \(folder)/eight.bin b.bin
            bwlimit off
            get \(folder)/eight.bin c.bin
            bwlimit down=off,up=1M
            put \(folder)/eight.bin \(folder)/up.bin

            """
        let (result, json) = try runOne(script, in: folder, extra: [])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("Transfers are capped at 2 MiB/s"), "\(result.stdout)")
        #expect(result.stdout.contains("Transfers are not capped"), "\(result.stdout)")
        let times = seconds(json)
        try #require(times.count == 7)
        #expect(times[0] < 2, "uncapped get took \(times[0]) s")
        #expect(times[2] >= 3.6 && times[2] <= 5, "capped get took \(times[2]) s")
        #expect(times[4] < 2, "get after 'bwlimit off' took \(times[4]) s")
        // 8 MiB up at 1 MiB/s.
        #expect(times[6] >= 7.2 && times[6] <= 9.5, "capped put took \(times[6]) s")
        #expect(checksum(folder + "/up.bin") == checksum(folder + "/eight.bin"))
    }

    @Test func aThrottledTransferIsNotAStall() throws {
        // Waiting for the cap is not waiting on the network: --timeout 3 must not cut a transfer that
        // takes 8 s, however long its streams wait; neither must the pool's many files.
        let folder = TestSSHServer.scratch("bw-timeout")
        writeRandomFile(folder + "/eight.bin", bytes: 8 << 20)
        Shell.sh(
            "mkdir -p '\(folder)/many' && for i in $(seq 1 16); do head -c 262144 /dev/urandom > '\(folder)/many/f'$i; done"
        )
        let script = "get \(folder)/eight.bin copy.bin\n!mkdir -p got\nlcd got\nmget \(folder)/many/*\n"
        let (result, json) = try runOne(script, in: folder, extra: ["--timeout", "3", "--bwlimit", "1M"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(!result.stderr.contains("timed out"), "\(result.stderr)")
        let times = seconds(json)
        #expect((times.first ?? 0) >= 7.2, "took \(times.first ?? 0) s")
        // 16 files of 256 KiB over the pool: 4 MiB at 1 MiB/s.
        #expect((times.last ?? 0) >= 3.6 && (times.last ?? 0) <= 6, "mget took \(times.last ?? 0) s")
    }

    @Test func badRatesAreRefusedNamingWhereTheyWere() throws {
        let folder = TestSSHServer.scratch("bw-bad")
        for (option, value) in [("--bwlimit", "4X"), ("--bwlimit", "down=1M,down=2M"), ("--bwlimit-host", "fast")] {
            let result = FerryBinary.run([option, value, "-b", "/dev/null", "root@127.0.0.1"], directory: folder)
            #expect(result.status == 2, "\(option) \(value): \(result.stderr)")
            #expect(result.stderr.contains("\(option) \(value): give a rate such as 512K"), "\(result.stderr)")
        }
        try "pwd\nbwlimit 10 M\nbwlimit lots\n".write(toFile: folder + "/bad.scr", atomically: true, encoding: .utf8)
        let script = FerryBinary.run(["-b", "bad.scr", "root@127.0.0.1"], directory: folder)
        #expect(script.status == 2)
        #expect(script.stderr.contains("bad.scr:2:"), "\(script.stderr)")
        #expect(script.stderr.contains("bad.scr:3:"), "\(script.stderr)")
        #expect(script.stderr.contains("bwlimit: 'lots' is not a rate"), "\(script.stderr)")
        try "root@127.0.0.1 bwlimit-host=quick\n".write(toFile: folder + "/hosts", atomically: true, encoding: .utf8)
        try "pwd\n".write(toFile: folder + "/good.scr", atomically: true, encoding: .utf8)
        let hosts = FerryBinary.run(["-b", "good.scr", "--hosts", "hosts"], directory: folder)
        #expect(hosts.status == 2, "\(hosts.stderr)")
        #expect(hosts.stderr.contains("hosts:1: bwlimit-host: 'quick' is not a rate"), "\(hosts.stderr)")
        let session = FerryBinary.run(
            ["session", "save", "--sessions", folder, "s", "--host", "h", "--bwlimit-host", "9Q"], directory: folder)
        #expect(session.status == 2 || session.status == 64, "\(session.stderr)")
        #expect(session.stderr.contains("--bwlimit-host 9Q"), "\(session.stderr)")
        try "host: h\nbwlimit-host: 12 parsecs\n".write(
            toFile: folder + "/broken.yaml", atomically: true, encoding: .utf8)
        let broken = FerryBinary.run(
            ["--sessions", folder, "-load", "broken", "-b", "/dev/null"], directory: folder)
        #expect(broken.status == 2, "\(broken.stderr)")
        #expect(broken.stderr.contains("broken.yaml:2"), "\(broken.stderr)")
    }
}
