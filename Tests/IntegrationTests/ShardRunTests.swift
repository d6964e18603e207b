import Foundation
import Testing

/// Shards of one run on the loopback fleet of ``FleetTests``, each a separate Ferry process as a
/// scheduler would start them, then `ferry report merge` and `--rerun` of the merged report.
@Suite("Shards", .tags(.integration), .serialized)
struct ShardRunTests {
    let fleet = FleetTests()

    func hosts(_ report: [String: Any]) -> [String: String] {
        let list = report["hosts"] as? [[String: Any]] ?? []
        return Dictionary(list.map { ($0["host"] as? String ?? "", $0["status"] as? String ?? "") }) { first, _ in first
        }
    }

    func json(_ path: String) throws -> [String: Any] {
        try #require(
            try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: path))) as? [String: Any])
    }

    @Test func threeShardsMergeIntoOneRunAndAMissingOneIsNamed() throws {
        let local = TestSSHServer.scratch("shards")
        let known = fleet.knownHosts(in: local)
        // Nine hosts; 127.0.0.24 is not in known_hosts, so it fails in whichever shard it lands.
        let targets = (2...9).map(fleet.target) + [fleet.target(24)]
        try targets.joined(separator: "\n").write(toFile: local + "/fleet.txt", atomically: true, encoding: .utf8)
        try "pwd\n".write(toFile: local + "/s.scr", atomically: true, encoding: .utf8)
        func shard(_ k: Int, of n: Int, runID: String, environment: [String: String] = [:]) -> RunResult {
            FerryBinary.run(
                ["-b", "s.scr", "--hosts", "fleet.txt", "--shard", environment.isEmpty ? "\(k)/\(n)" : "auto"]
                    + (runID.isEmpty ? [] : ["--run-id", runID]) + fleet.options(knownHosts: known),
                directory: local, environment: environment)
        }
        var statuses: [Int32] = []
        for k in 1...3 { statuses.append(shard(k, of: 3, runID: "R1").status) }
        #expect(statuses.filter { $0 == 0 }.count == 2 && statuses.contains(9), "\(statuses)")
        let merge = FerryBinary.run(["report", "merge", "diagnostics/R1"], directory: local)
        #expect(merge.status == 9, "\(merge.stdout)\(merge.stderr)")
        let merged = try json(local + "/diagnostics/R1/report.json")
        let byHost = hosts(merged)
        #expect(byHost.count == 9 && (merged["hosts"] as? [[String: Any]])?.count == 9, "\(byHost)")
        #expect(byHost.values.filter { $0 == "ok" }.count == 8)
        #expect(byHost.first { $0.key.hasPrefix("127.0.0.24:") }?.value == "failed")
        #expect(merge.stdout.contains("merged 3 of 3 shards of run R1: 9 hosts"), "\(merge.stdout)")
        // The merged page links each host into its shard's folder.
        let page = try String(contentsOfFile: local + "/diagnostics/R1/report.html", encoding: .utf8)
        #expect(page.components(separatedBy: "<div class=\"host\" data-status=").count == 10)
        #expect(page.contains("<a href=\"shard-1-of-3/"), "\(page.prefix(300))")

        // The same run under a Kubernetes Indexed Job's variables, with shard 2 never started.
        for index in [0, 2] {
            let result = shard(
                0, of: 3, runID: "",
                environment: ["JOB_COMPLETION_INDEX": "\(index)", "FERRY_SHARD_COUNT": "3", "FERRY_RUN_ID": "K1"])
            #expect(
                result.stderr.contains(
                    "ferry: shard \(index + 1)/3 of run K1: 3 of 9 hosts (from JOB_COMPLETION_INDEX"),
                "\(result.stderr)")
        }
        let partial = FerryBinary.run(["report", "merge", "diagnostics/K1", "-o", "merged"], directory: local)
        #expect(partial.status == 9)
        #expect(partial.stdout.contains("shard 2/3 never reported: its 3 hosts are not-run"), "\(partial.stdout)")
        let missing = hosts(try json(local + "/merged/report.json")).filter { $0.value == "not-run" }
        #expect(missing.count == 3)

        // --rerun of the merged report runs exactly the hosts that did not end ok; with --shard, this
        // shard's part of them.
        let everyKey = local + "/every_known_host"
        let keys = [FleetTests.first, FleetTests.second].map {
            (try? String(contentsOfFile: $0.knownHosts, encoding: .utf8)) ?? ""
        }
        try keys.joined(separator: "\n").write(toFile: everyKey, atomically: true, encoding: .utf8)
        let notOK = Set(hosts(try json(local + "/merged/report.json")).filter { $0.value != "ok" }.keys)
        let again = FerryBinary.run(
            ["-b", "s.scr", "--rerun", "merged/report.json"] + fleet.options(knownHosts: everyKey), directory: local)
        #expect(again.status == 0, "\(again.stdout)\(again.stderr)")
        #expect(Set(hosts(try report(of: again).json).keys) == notOK)
        let half = FerryBinary.run(
            ["-b", "s.scr", "--rerun", "merged/report.json", "--shard", "1/2", "--run-id", "K1-again"]
                + fleet.options(knownHosts: everyKey), directory: local)
        #expect(half.status == 0, "\(half.stdout)\(half.stderr)")
        let firstHalf = Set(hosts(try json(local + "/diagnostics/K1-again/shard-1-of-2/report.json")).keys)
        #expect(firstHalf.count == (notOK.count + 1) / 2 && firstHalf.isSubset(of: notOK), "\(firstHalf)")
    }

    @Test func aShardRunAgainReplacesItsEarlierAttempt() throws {
        let local = TestSSHServer.scratch("shard-again")
        let known = fleet.knownHosts(in: local)
        try "pwd\n".write(toFile: local + "/s.scr", atomically: true, encoding: .utf8)
        let arguments =
            ["-b", "s.scr", "--shard", "2/2", "--run-id", "R"] + (2...5).map(fleet.target)
            + fleet.options(knownHosts: known)
        for _ in 1...2 { #expect(FerryBinary.run(arguments, directory: local).status == 0) }
        let shard = try json(local + "/diagnostics/R/shard-2-of-2/report.json")["shard"] as? [String: Any]
        #expect(shard?["attempt"] as? Int == 2)
        #expect(shard?["run_id"] as? String == "R")
        #expect((shard?["inventory"] as? [Any])?.count == 4)
        // Nothing half-made is left beside it.
        let left = try FileManager.default.contentsOfDirectory(atPath: local + "/diagnostics/R")
        #expect(left == ["shard-2-of-2"], "\(left)")
    }

    @Test func shardMistakesAreRefusedAndAnEmptySliceIsNotAFailure() throws {
        let local = TestSSHServer.scratch("shard-usage")
        try "pwd\n".write(toFile: local + "/s.scr", atomically: true, encoding: .utf8)
        let targets = [fleet.target(2), fleet.target(3)]
        for (bad, words) in [
            (["--shard", "3/2", "--run-id", "R"], "--shard 3/2"), (["--shard", "1/2"], "--run-id"),
            (["--shard", "1/2", "--run-id", "../x"], "--run-id ../x"),
            (["--shard", "auto", "--run-id", "R"], "none of"),
        ] {
            let result = FerryBinary.run(["-b", "s.scr"] + bad + targets, directory: local)
            #expect(result.status == 2, "\(bad): \(result.stderr)")
            #expect(result.stderr.contains(words), "\(bad): \(result.stderr)")
        }
        let stepped = FerryBinary.run(
            ["-b", "s.scr", "--shard", "auto"] + targets, directory: local,
            environment: [
                "SLURM_ARRAY_TASK_ID": "3", "SLURM_ARRAY_TASK_MIN": "1", "SLURM_ARRAY_TASK_MAX": "5",
                "SLURM_ARRAY_TASK_COUNT": "3", "SLURM_ARRAY_TASK_STEP": "2", "SLURM_ARRAY_JOB_ID": "55",
            ])
        #expect(stepped.status == 2)
        #expect(stepped.stderr.contains("in steps of 2"), "\(stepped.stderr)")
        let empty = FerryBinary.run(
            ["-b", "s.scr", "--shard", "3/3", "--run-id", "E"] + targets
                + fleet.options(knownHosts: fleet.knownHosts(in: local)),
            directory: local)
        #expect(empty.status == 0, "\(empty.stderr)")
        #expect(empty.stderr.contains("no hosts in shard 3/3"), "\(empty.stderr)")
        #expect(FileManager.default.fileExists(atPath: local + "/diagnostics/E/shard-3-of-3/report.json"))
    }
}
