import FerryApp
import FerryBase
import FerryCore
import FerryScript
import FerryTransfer
import Foundation

extension FerryMain {
    /// `-load a -load b`, several hosts, or `--hosts FILE`: the script runs on each host.
    func runFleet(
        _ hosts: [FleetHost], script: Script?, invocation: Invocation, cancellation: Cancellation,
        summary: inout [String: Int]?
    ) -> Int32 {
        guard let script else { return FailureClass.usage.exitStatus }
        if invocation.checkOnly || options.verbose > 0 {
            // What the waves, budget and barriers come to, before anything connects.
            TerminalConsole().report(
                (invocation.checkOnly ? "check: " : "ferry: ")
                    + Fleet.plan(for: script, hosts: hosts.count, options: invocation.fleet))
        }
        let terminal = FleetTerminal(
            mode: options.json ? .json : options.gather ? .gather : options.stream ? .stream : .blocks)
        let fleet = Fleet(
            hosts: hosts, options: invocation.fleet, cancellation: cancellation, observer: terminal,
            diagnosticsRoot: invocation.diagnosticsRoot)
        let outcome = fleet.runAndReport(script)
        if let problem = outcome.reportProblem { TerminalConsole().report(problem) }
        terminal.finish(outcome.results, report: outcome.report, reportPath: outcome.reportPath)
        summary = outcome.report.summary
        return outcome.status
    }

    /// Says which slice a shard runs: always for `--shard auto` (a wrong mapping must be visible), with
    /// `-v` otherwise; and when the slice is empty.
    func announce(_ shard: RunReport.ShardRecord, hosts: Int) {
        let console = TerminalConsole()
        if shard.mapping != nil || options.verbose > 0 {
            console.report(
                "ferry: shard \(shard.index)/\(shard.count) of run \(shard.runID): \(hosts) of"
                    + " \(shard.inventory.count) hosts" + (shard.mapping.map { " (from \($0))" } ?? ""))
        }
        if hosts == 0 { console.report("ferry: no hosts in shard \(shard.index)/\(shard.count)") }
    }
}
