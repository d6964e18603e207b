import FerryBase
import FerryCore
import Foundation

/// The `barrier` lines of a run over many hosts: where hosts wait for each other, and the one place
/// that decides, once every host of a group has come or ended, whether they go on or are held.
///
/// A group is the hosts of one wave (all the hosts, without waves). Hosts wait on their own threads;
/// the supervisor tells it about hosts that end. The decision counts every host of the run that has
/// failed so far, plus the waiting hosts that carry a failure of their own (a `-be` script goes on
/// after one), against the budget: `--max-fail`, or none at all.
final class FleetBarriers: @unchecked Sendable {
    private struct Key: Hashable {
        var wave: Int
        var line: Int
    }

    private let condition = NSCondition()
    /// The wave of each host, by index, from 0.
    private let waveOf: [Int]
    /// The number of hosts in each wave.
    private let waveSizes: [Int]
    private let budget: Int
    private let total: Int
    /// Guarded by `condition`: hosts that have ended, by wave; hosts that failed in the whole run.
    private var endedInWave: [Int]
    private var ended: Set<Int> = []
    private var failed = 0
    /// Guarded by `condition`: who waits at each barrier (and whether each carries a failure), and
    /// what each barrier decided.
    private var arrivals: [Key: [Int: Bool]] = [:]
    private var verdicts: [Key: BarrierVerdict] = [:]

    /// Barriers for the hosts of `schedule`'s waves, held once more than `budget` hosts have failed.
    init(schedule: FleetSchedule, budget: Int) {
        waveSizes = schedule.sizes
        waveOf = waveSizes.enumerated().flatMap { Array(repeating: $0.offset, count: $0.element) }
        endedInWave = Array(repeating: 0, count: waveSizes.count)
        self.budget = budget
        total = schedule.total
    }

    /// The gate the host at `index` waits at.
    func gate(for index: Int) -> any BarrierGate { HostBarrier(barriers: self, index: index) }

    /// Notes that the host at `index` has ended, failed or not; barriers waiting for it may decide.
    func hostEnded(_ index: Int, failed hostFailed: Bool) {
        condition.lock()
        defer { condition.unlock() }
        guard index < waveOf.count, ended.insert(index).inserted else { return }
        endedInWave[waveOf[index]] += 1
        if hostFailed { failed += 1 }
        for key in arrivals.keys where key.wave == waveOf[index] { decide(key) }
    }

    fileprivate func wait(
        _ index: Int, line: Int, failedBefore: Bool, cancellation: Cancellation
    ) -> BarrierVerdict? {
        // A stop wakes the wait at once; the handler takes the lock, so it is registered outside it.
        let handler = cancellation.onCancel { [condition] in
            condition.lock()
            condition.broadcast()
            condition.unlock()
        }
        defer { cancellation.removeHandler(handler) }
        condition.lock()
        defer { condition.unlock() }
        let key = Key(wave: waveOf[index], line: line)
        arrivals[key, default: [:]][index] = failedBefore
        decide(key)
        var graceEnd: Date?
        while verdicts[key] == nil {
            if cancellation.isCancelled {
                // Hosts that started together reach their time limit together: one that waits here
                // may be cut in the same moment as the host that hung before the barrier. It gives
                // that host's end a moment to arrive, so that it ends held (what it is) rather than
                // timed out.
                if cancellation.timedOut, graceEnd == nil { graceEnd = Date() + Self.verdictGrace }
                guard let graceEnd, Date() < graceEnd else {
                    // It ends as cut or interrupted: the others wait for its end instead.
                    arrivals[key]?[index] = nil
                    return nil
                }
                _ = condition.wait(until: graceEnd)
                continue
            }
            condition.wait()
        }
        // A cut host cannot go on, whatever the others do.
        if cancellation.isCancelled, case .released = verdicts[key] { return nil }
        return verdicts[key]
    }

    /// Seconds a host cut while waiting at a barrier waits on for the barrier's verdict.
    static let verdictGrace: TimeInterval = 2

    /// Decides the barrier at `key` once every host of its wave is there or has ended. Called with
    /// the lock held.
    private func decide(_ key: Key) {
        guard verdicts[key] == nil, let here = arrivals[key] else { return }
        guard here.count + endedInWave[key.wave] >= waveSizes[key.wave] else { return }
        let failures = failed + here.values.filter { $0 }.count
        verdicts[key] =
            failures > budget
            ? .held(reason: FleetSchedule.budgetSpent(failed: failures, total: total, budget: budget))
            : .released(hosts: here.count)
        condition.broadcast()
    }
}

/// One host's way into the run's barriers.
private struct HostBarrier: BarrierGate {
    let barriers: FleetBarriers
    let index: Int

    func wait(atLine line: Int, name: String?, failedBefore: Bool, cancellation: Cancellation) -> BarrierVerdict? {
        barriers.wait(index, line: line, failedBefore: failedBefore, cancellation: cancellation)
    }
}
