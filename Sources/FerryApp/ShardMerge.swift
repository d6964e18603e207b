import FerryBase
import FerryCore
import FerryTransfer
import Foundation

/// `ferry report merge DIR`: the reports of a run's shards (`DIR/shard-K-of-N/report.json`) as one
/// report over every host, as a single run over all of them would have written it.
///
/// The shards must agree on the run id, the inventory's SHA-256 and N; each K is taken once (its
/// latest attempt) and no host may be in two shards. A shard that never reported is named, and its
/// hosts (its slice of the inventory every shard records) are `not-run`.
public enum ShardMerge {
    /// One merge's result: the report, what to tell the user, and the exit status a single run over
    /// every host would have had.
    public struct Outcome {
        public var report: RunReport
        public var notes: [String]
        public var status: Int32
    }

    /// The shard reports in `directory`, merged.
    public static func merge(directory: String) throws(SetupError) -> Outcome {
        let shards = try latestAttempts(try reports(in: directory), directory: directory)
        guard let first = shards.values.first?.report, let record = first.shard else {
            throw SetupError(["ferry: \(directory): no shard reports (shard-K-of-N/report.json) to merge"])
        }
        var owner: [String: Int] = [:]
        for (index, shard) in shards {
            for host in shard.report.hosts {
                if let other = owner.updateValue(index, forKey: host.host), other != index {
                    throw SetupError(["ferry: \(directory): host '\(host.host)' is in shards \(other) and \(index)"])
                }
            }
        }
        let missing = (1...record.count).filter { shards[$0] == nil }
        let hosts = try mergedHosts(shards, record: record, missing: missing, directory: directory)
        let status = exitStatus(of: hosts)
        let times = shards.values.map(\.report)
        var report = RunReport(
            run: record.runID, script: first.script, started: earliest(times.map(\.started)) ?? Date(),
            finished: latest(times.map(\.finished)) ?? Date(), exitStatus: status, hosts: hosts)
        report.continues = first.continues
        report.merged = RunReport.MergeRecord(
            runID: record.runID, count: record.count, inventorySHA256: record.inventorySHA256,
            shards: shards.mapValues { $0.report.shard?.attempt ?? 1 }, missing: missing)
        var notes = ["merged \(shards.count) of \(record.count) shards of run \(record.runID): \(hosts.count) hosts"]
        for index in missing {
            let count =
                Shard(index: index, count: record.count).map {
                    Array($0.positions(among: record.inventory.count)).count
                } ?? 0
            notes.append("shard \(index)/\(record.count) never reported: its \(count) hosts are not-run")
        }
        return Outcome(report: report, notes: notes, status: status)
    }

    private struct Found {
        var folder: String
        var report: RunReport
    }

    /// Every `shard-K-of-N/report.json` in `directory`, read and checked to belong to one run.
    private static func reports(in directory: String) throws(SetupError) -> [Found] {
        let names: [String]
        do {
            names = try FileManager.default.contentsOfDirectory(atPath: directory).sorted()
        } catch {
            throw SetupError(["ferry: \(directory): cannot read the folder"])
        }
        var found: [Found] = []
        var problems: [String] = []
        for name in names where name.hasPrefix("shard-") {
            let path = directory + "/" + name + "/report.json"
            guard FileManager.default.fileExists(atPath: path) else { continue }
            do {
                let report = try RunReport.read(from: path)
                guard report.shard != nil else {
                    problems.append("ferry: \(path): not a shard's report (it has no 'shard')")
                    continue
                }
                found.append(Found(folder: name, report: report))
            } catch {
                problems.append("ferry: \(path): \(error.reason)")
            }
        }
        if let first = found.first?.report.shard {
            for entry in found {
                guard let shard = entry.report.shard else { continue }
                if shard.runID != first.runID || shard.inventorySHA256 != first.inventorySHA256
                    || shard.count != first.count
                {
                    problems.append(
                        "ferry: \(directory)/\(entry.folder): run \(shard.runID), \(shard.count) shards, inventory"
                            + " \(shard.inventorySHA256.prefix(12)) does not match \(found[0].folder) (run \(first.runID),"
                            + " \(first.count) shards, inventory \(first.inventorySHA256.prefix(12)))")
                }
            }
        }
        if !problems.isEmpty { throw SetupError(problems) }
        return found
    }

    /// Each shard's latest attempt, by K.
    private static func latestAttempts(_ found: [Found], directory: String) throws(SetupError) -> [Int: Found] {
        var byIndex: [Int: Found] = [:]
        for entry in found {
            guard let shard = entry.report.shard else { continue }
            guard (1...shard.count).contains(shard.index) else {
                throw SetupError(["ferry: \(directory)/\(entry.folder): shard \(shard.index) of \(shard.count)"])
            }
            if let kept = byIndex[shard.index], (kept.report.shard?.attempt ?? 0) >= shard.attempt { continue }
            byIndex[shard.index] = entry
        }
        return byIndex
    }

    /// Every host of the inventory, in its order: from its shard's report, or `not-run` when its shard
    /// never reported. A reported host outside its shard's slice is refused.
    private static func mergedHosts(
        _ shards: [Int: Found], record: RunReport.ShardRecord, missing: [Int], directory: String
    ) throws(SetupError) -> [RunReport.Host] {
        var reported: [String: RunReport.Host] = [:]
        for (index, shard) in shards {
            guard let slice = Shard(index: index, count: record.count) else { continue }
            let members = Set(slice.positions(among: record.inventory.count).map { record.inventory[$0].host })
            for host in shard.report.hosts {
                guard members.contains(host.host) else {
                    throw SetupError([
                        "ferry: \(directory)/\(shard.folder): host '\(host.host)' is not in shard \(index)'s slice"
                    ])
                }
                var entry = host
                // Its collected files stay in its shard's folder.
                entry.folder = shard.folder + "/" + PathRules.safeComponent(host.host)
                reported[host.host] = entry
            }
        }
        let missingSet = Set(missing)
        return record.inventory.enumerated().map { position, member in
            if let host = reported[member.host] { return host }
            let index = position % record.count + 1
            var host = RunReport.Host(host: member.host, status: .notRun, commands: [])
            host.target = member.target
            host.reason = .notRun
            host.message =
                "not run: shard \(index)/\(record.count) "
                + (missingSet.contains(index) ? "never reported" : "did not report this host")
            return host
        }
    }

    /// The status a single run over `hosts` would have ended with: 130 when any was interrupted, 9 when
    /// any did not end ok, else 0.
    static func exitStatus(of hosts: [RunReport.Host]) -> Int32 {
        if hosts.contains(where: { $0.status == .interrupted }) { return FailureClass.interrupted.exitStatus }
        return hosts.allSatisfy { $0.status == .ok } ? 0 : FailureClass.someHosts.exitStatus
    }

    private static func dates(_ texts: [String]) -> [Date] { texts.compactMap(RunReport.time) }

    private static func earliest(_ texts: [String]) -> Date? { dates(texts).min() }
    private static func latest(_ texts: [String]) -> Date? { dates(texts).max() }
}
