import Foundation
import Testing

@testable import FerryApp
@testable import FerryCore
@testable import FerryTransfer

/// Slicing hosts into shards, reading the slice from a scheduler's variables, and merging the shards'
/// reports.
@Suite("Shards")
struct ShardTests {
    @Test func theSplitTakesEveryNthFromTheKth() throws {
        #expect(Shard("2/3") == Shard(index: 2, count: 3))
        let second = try #require(Shard(index: 2, count: 3))
        #expect(Array(second.positions(among: 8)) == [1, 4, 7])
        #expect(Array(try #require(Shard(index: 3, count: 3)).positions(among: 2)).isEmpty)
        // Every host is in exactly one slice.
        let all = (1...4).compactMap { Shard(index: $0, count: 4) }.flatMap { Array($0.positions(among: 10)) }.sorted()
        #expect(all == Array(0..<10))
        for bad in ["0/3", "4/3", "1/0", "1", "a/b", "1/3/4", "-1/3", " 1/3", "1/99999999"] {
            #expect(Shard(bad) == nil, "\(bad)")
        }
    }

    @Test func slurmArrayTasksMapOntoShards() throws {
        let environment = [
            "SLURM_ARRAY_TASK_ID": "7", "SLURM_ARRAY_TASK_MIN": "5", "SLURM_ARRAY_TASK_MAX": "8",
            "SLURM_ARRAY_TASK_COUNT": "4", "SLURM_ARRAY_TASK_STEP": "1",
        ]
        let shard = try Shard.auto(environment: environment)
        #expect((shard.index, shard.count) == (3, 4))
        #expect(shard.source == "SLURM_ARRAY_TASK_ID=7, SLURM_ARRAY_TASK_MIN=5, SLURM_ARRAY_TASK_COUNT=4")
    }

    @Test func steppedSparseOrIncompleteArraysAreRefusedByName() {
        func message(_ environment: [String: String]) -> String {
            do {
                _ = try Shard.auto(environment: environment)
                return "accepted"
            } catch {
                return error.description
            }
        }
        let base = [
            "SLURM_ARRAY_TASK_ID": "3", "SLURM_ARRAY_TASK_MIN": "1", "SLURM_ARRAY_TASK_MAX": "9",
            "SLURM_ARRAY_TASK_COUNT": "5", "SLURM_ARRAY_TASK_STEP": "2",
        ]
        #expect(message(base).contains("in steps of 2"))
        #expect(message(base.merging(["SLURM_ARRAY_TASK_STEP": "1"]) { $1 }).contains("1-9 has 5 tasks"))
        #expect(
            message(base.filter { $0.key != "SLURM_ARRAY_TASK_COUNT" }).contains("SLURM_ARRAY_TASK_COUNT is not set"))
        #expect(message(["JOB_COMPLETION_INDEX": "2"]).contains("FERRY_SHARD_COUNT is not set"))
        #expect(message(["JOB_COMPLETION_INDEX": "4", "FERRY_SHARD_COUNT": "4"]).contains("is not below"))
        #expect(message(["NOMAD_ALLOC_INDEX": "x", "FERRY_SHARD_COUNT": "4"]).contains("NOMAD_ALLOC_INDEX=x"))
        #expect(message([:]).contains("none of SLURM_ARRAY_TASK_ID"))
    }

    @Test func indexedJobsCountFromZero() throws {
        let kubernetes = try Shard.auto(environment: ["JOB_COMPLETION_INDEX": "0", "FERRY_SHARD_COUNT": "3"])
        #expect((kubernetes.index, kubernetes.count) == (1, 3))
        let nomad = try Shard.auto(environment: ["NOMAD_ALLOC_INDEX": "2", "FERRY_SHARD_COUNT": "3"])
        #expect((nomad.index, nomad.count) == (3, 3))
    }

    // MARK: merge

    let inventory = (1...7).map { RunReport.ShardRecord.Member(host: "h\($0)", target: "root@h\($0)") }

    /// Writes shard `index` of 3's report into `folder`, its hosts ending `status`.
    func writeShard(
        _ index: Int, in folder: String, status: HostStatus = .ok, attempt: Int = 1, runID: String = "R",
        hosts: [String]? = nil
    ) throws {
        let slice = Array(try #require(Shard(index: index, count: 3)).positions(among: inventory.count)).map {
            inventory[$0].host
        }
        let entries = (hosts ?? slice).map { RunReport.Host(host: $0, status: status, commands: []) }
        var report = RunReport(
            run: runID, script: "s.scr", started: Date(), finished: Date(),
            exitStatus: status == .ok ? 0 : 9, hosts: entries)
        report.shard = RunReport.ShardRecord(
            runID: runID, index: index, count: 3, attempt: attempt,
            inventorySHA256: Shard.digest(of: inventory.map(\.host)), mapping: nil, inventory: inventory)
        let path = folder + "/shard-\(index)-of-3" + (attempt > 1 ? "-again" : "")
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        try report.write(to: path)
    }

    @Test func everyShardMergesIntoOneReportInInventoryOrder() throws {
        let folder = try scratchFolder("merge-all")
        for index in 1...3 { try writeShard(index, in: folder) }
        let outcome = try ShardMerge.merge(directory: folder)
        #expect(outcome.report.hosts.map(\.host) == inventory.map(\.host))
        #expect(outcome.status == 0)
        #expect(outcome.report.merged?.missing == [])
        #expect(outcome.report.merged?.shards == [1: 1, 2: 1, 3: 1])
    }

    @Test func aMissingShardsHostsAreNotRunAndTheLatestAttemptWins() throws {
        let folder = try scratchFolder("merge-missing")
        try writeShard(1, in: folder, status: .failed)
        try writeShard(1, in: folder, status: .ok, attempt: 2)
        try writeShard(3, in: folder)
        let outcome = try ShardMerge.merge(directory: folder)
        #expect(outcome.status == 9)
        #expect(outcome.report.merged?.missing == [2])
        let statuses = Dictionary(uniqueKeysWithValues: outcome.report.hosts.map { ($0.host, $0.status) })
        #expect(statuses == ["h1": .ok, "h4": .ok, "h7": .ok, "h2": .notRun, "h5": .notRun, "h3": .ok, "h6": .ok])
        #expect(outcome.report.hosts.first { $0.host == "h2" }?.target == "root@h2")
        #expect(outcome.notes.contains("shard 2/3 never reported: its 2 hosts are not-run"))
    }

    @Test func shardsThatDoNotBelongTogetherAreRefused() throws {
        let mixed = try scratchFolder("merge-mixed")
        try writeShard(1, in: mixed)
        try writeShard(2, in: mixed, runID: "other")
        #expect(throws: SetupError.self) { try ShardMerge.merge(directory: mixed) }
        let twice = try scratchFolder("merge-twice")
        try writeShard(1, in: twice)
        try writeShard(2, in: twice, hosts: ["h2", "h1"])
        #expect(throws: SetupError.self) { try ShardMerge.merge(directory: twice) }
        let empty = try scratchFolder("merge-empty")
        #expect(throws: SetupError.self) { try ShardMerge.merge(directory: empty) }
    }
}
