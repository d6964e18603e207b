import FerryBase
import FerryCore
import FerryScript
import FerryTransfer
import Foundation

/// What a finished run over many hosts comes to.
public struct FleetOutcome {
    /// Each host's result, in the order the hosts were given.
    public var results: [HostResult]
    /// Ferry's exit status: 0 when every host succeeded.
    public var status: Int32
    /// The report with each host's output, for `--json` (the one written to disk leaves output out).
    public var report: RunReport
    /// Where `report.md` was written, if it could be.
    public var reportPath: String?
    /// Why the report could not be written, if it could not.
    public var reportProblem: String?
}

extension Fleet {
    /// Runs `script` on every host, then writes `report.json` and `report.md` in the run's folder.
    public func runAndReport(_ script: Script) -> FleetOutcome {
        let started = Date()
        let results = run(script)
        let status: Int32 =
            results.contains { $0.status == .interrupted } || cancellation.isCancelled
            ? cancellation.exitStatus
            : results.allSatisfy { $0.status == .ok } ? 0 : FailureClass.someHosts.exitStatus
        // Results come in the hosts' order.
        let entries = { (withOutput: Bool) in
            zip(results, self.hosts).map { result, host in
                var entry = result.reportEntry(withOutput: withOutput)
                entry.target = host.target
                return entry
            }
        }
        var report = RunReport(
            run: PathRules.lastComponent(runFolder), script: script.file, started: started, finished: Date(),
            exitStatus: status, hosts: entries(false))
        report.continues = options.continues
        report.bwlimit = options.bandwidth.ifAny
        if var shard = options.shard, let shardFolder {
            shard.attempt = Self.previousAttempt(in: shardFolder) + 1
            report.shard = shard
            report.run = shard.runID
        }
        var outcome = FleetOutcome(results: results, status: status, report: report)
        if options.checkOnly {
            outcome.report = report
            return outcome
        }
        do {
            try FileManager.default.createDirectory(atPath: runFolder, withIntermediateDirectories: true)
        } catch {
            outcome.reportProblem = "ferry: cannot write the report: cannot create \(runFolder)"
        }
        if outcome.reportProblem == nil {
            do {
                try report.write(to: runFolder)
                outcome.reportPath = runFolder + "/report.md"
                if let shardFolder {
                    try Self.replaceFolder(shardFolder, with: runFolder)
                    outcome.reportPath = shardFolder + "/report.md"
                }
            } catch {
                outcome.reportProblem = "ferry: cannot write the report: \(error)"
            }
        }
        // A run whose report is missing has not done all it was asked.
        if outcome.reportProblem != nil, outcome.status == 0 { outcome.status = FailureClass.transfer.exitStatus }
        report.hosts = entries(true)
        outcome.report = report
        return outcome
    }

    /// The attempt an earlier report of this shard was, 0 when there is none.
    static func previousAttempt(in folder: String) -> Int {
        (try? RunReport.read(from: folder + "/report.json"))?.shard?.attempt ?? 0
    }

    /// Puts `folder` (complete) at `target`, in place of an earlier attempt's folder there: the
    /// earlier one is renamed aside first and removed after, so `target` always holds one whole
    /// attempt.
    static func replaceFolder(_ target: String, with folder: String) throws {
        let manager = FileManager.default
        let aside =
            PathRules.parent(target) + "/." + PathRules.lastComponent(target) + ".old-"
            + String(UInt32.random(in: 0...UInt32.max), radix: 36)
        let hadOne = manager.fileExists(atPath: target)
        if hadOne { try manager.moveItem(atPath: target, toPath: aside) }
        do {
            try manager.moveItem(atPath: folder, toPath: target)
        } catch {
            if hadOne { try? manager.moveItem(atPath: aside, toPath: target) }
            throw error
        }
        if hadOne { try? manager.removeItem(atPath: aside) }
    }
}
