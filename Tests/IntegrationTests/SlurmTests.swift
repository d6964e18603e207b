import Foundation
import Testing

/// Shards on a real SLURM: a one-node cluster runs a job array of the example `ferry-array.sbatch`,
/// each task one shard of a loopback fleet, and `ferry report merge` puts the shards together.
@Suite("SLURM", .tags(.integration), .serialized)
struct SlurmTests {
    static let cluster = SlurmCluster()
    let fleet = FleetTests()

    static let example =
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("examples/slurm/ferry-array.sbatch").path

    /// Twelve saved sessions `s01`…`s12` (so the split is known: shard 2 of 4 is s02, s06, s10) on the
    /// fleet's addresses; those named in `dead` point at a server that has been stopped.
    func sessions(in local: String, dead: Set<Int>) throws -> String {
        let folder = local + "/sessions"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let known = fleet.knownHosts(in: local)
        let stopped = TestSSHServer(name: "slurm-stopped", listen: ["127.0.0.1"])
        let stoppedPort = stopped.port
        stopped.stop()
        for n in 1...12 {
            let address = dead.contains(n) ? "127.0.0.1" : "127.0.0.\(n + 1)"
            try """
            host: \(address)
            port: \(dead.contains(n) ? stoppedPort : fleet.port(n + 1))
            user: root
            identity: \(FleetTests.first.ed25519Key)
            known-hosts: \(known)
            """.write(toFile: folder + String(format: "/s%02d.yaml", n), atomically: true, encoding: .utf8)
        }
        try (1...12).map { String(format: "s%02d", $0) }.joined(separator: "\n")
            .write(toFile: local + "/fleet.txt", atomically: true, encoding: .utf8)
        try "run echo shard host\n".write(toFile: local + "/s.scr", atomically: true, encoding: .utf8)
        return folder
    }

    func environment(_ local: String, sessions: String) -> [String: String] {
        [
            "FERRY": FerryBinary.path, "HOSTS": local + "/fleet.txt", "SCRIPT": local + "/s.scr",
            "DIAGNOSTICS": local + "/diagnostics", "FERRY_OPTIONS": "--sessions \(sessions)",
        ]
    }

    func statuses(_ path: String) throws -> [String: String] {
        let data = try Data(contentsOf: URL(fileURLWithPath: path))
        let report = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        let hosts = try #require(report["hosts"] as? [[String: Any]])
        return Dictionary(hosts.map { ($0["host"] as? String ?? "", $0["status"] as? String ?? "") }) { a, _ in a }
    }

    @Test func anArrayOfFourShardsMergesIntoOneReport() throws {
        let cluster = Self.cluster
        try #require(cluster.problem == nil, "\(cluster.problem ?? "")")
        let local = TestSSHServer.scratch("slurm-array")
        let sessions = try sessions(in: local, dead: [])
        let submitted = cluster.run(
            "sbatch --parsable --wait --array=1-4 --cpus-per-task=1 '\(Self.example)'", in: local,
            environment: environment(local, sessions: sessions))
        #expect(submitted.status == 0, "\(submitted.stdout)\(submitted.stderr)")
        let job = submitted.stdout.split(separator: "\n").first.map { String($0.split(separator: ";")[0]) } ?? ""
        let shards = try FileManager.default.contentsOfDirectory(atPath: local + "/diagnostics/\(job)").sorted()
        #expect(shards == (1...4).map { "shard-\($0)-of-4" }, "\(shards)")
        let merge = FerryBinary.run(["report", "merge", "diagnostics/\(job)"], directory: local)
        #expect(merge.status == 0, "\(merge.stdout)\(merge.stderr)")
        let merged = try statuses(local + "/diagnostics/\(job)/report.json")
        #expect(merged == Dictionary(uniqueKeysWithValues: (1...12).map { (String(format: "s%02d", $0), "ok") }))
        // Each task said which shard it took and from what.
        let log = (try? String(contentsOfFile: local + "/ferry-\(job)-2.out", encoding: .utf8)) ?? ""
        #expect(log.contains("ferry: shard 2/4 of run \(job): 3 of 12 hosts (from SLURM_ARRAY_TASK_ID=2"), "\(log)")
    }

    @Test func aFailedTaskAndACancelledOneMergeAsFailedAndNotRunAndARerunTakesThem() throws {
        let cluster = Self.cluster
        try #require(cluster.problem == nil, "\(cluster.problem ?? "")")
        let local = TestSSHServer.scratch("slurm-faults")
        // Shard 2's hosts (s02, s06, s10) have their server stopped; shard 3 is cancelled before it starts.
        let sessions = try sessions(in: local, dead: [2, 6, 10])
        let env = environment(local, sessions: sessions)
        let held = cluster.run(
            "sbatch --parsable --hold --array=1-4 --cpus-per-task=1 '\(Self.example)'", in: local, environment: env)
        let job = held.stdout.split(separator: "\n").first.map { String($0.split(separator: ";")[0]) } ?? ""
        #expect(held.status == 0 && !job.isEmpty, "\(held.stderr)")
        #expect(cluster.run("scancel \(job)_3 && scontrol release \(job)").status == 0)
        // Waits for the whole array, whatever its tasks' ends.
        let waited = cluster.run("sbatch --wait --dependency=afterany:\(job) --wrap true", in: local)
        #expect(waited.status == 0, "\(waited.stderr)")
        let shards = try FileManager.default.contentsOfDirectory(atPath: local + "/diagnostics/\(job)").sorted()
        #expect(shards == ["shard-1-of-4", "shard-2-of-4", "shard-4-of-4"], "\(shards)")

        let merge = FerryBinary.run(["report", "merge", "diagnostics/\(job)", "-o", "merged"], directory: local)
        #expect(merge.status == 9, "\(merge.stdout)\(merge.stderr)")
        #expect(merge.stdout.contains("shard 3/4 never reported: its 3 hosts are not-run"), "\(merge.stdout)")
        let merged = try statuses(local + "/merged/report.json")
        #expect(merged.count == 12)
        for name in ["s02", "s06", "s10"] { #expect(merged[name] == "failed", "\(name): \(merged)") }
        for name in ["s03", "s07", "s11"] { #expect(merged[name] == "not-run", "\(name): \(merged)") }
        #expect(merged.values.filter { $0 == "ok" }.count == 6)

        let again = FerryBinary.run(
            ["-b", "s.scr", "--rerun", "merged/report.json", "--sessions", sessions], directory: local)
        #expect(again.status == 9, "\(again.stdout)\(again.stderr)")
        let rerun = try statuses(try report(of: again).path)
        #expect(Set(rerun.keys) == ["s02", "s06", "s10", "s03", "s07", "s11"], "\(rerun)")
        #expect(rerun.filter { $0.value == "ok" }.keys.sorted() == ["s03", "s07", "s11"])
    }
}
