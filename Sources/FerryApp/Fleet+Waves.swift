import FerryScript
import FerryTransport

extension Fleet {
    /// Why `script`'s barriers could not work over `hostCount` hosts with `options`, if they could not:
    /// a barrier waits for every host of a wave, so every host of the largest wave must be able to
    /// run at once. Said before anything connects, rather than found as a wait that never ends.
    public static func barrierProblem(in script: Script, hosts hostCount: Int, options: FleetOptions) -> String? {
        guard let first = script.barriers.first, !options.checkOnly, hostCount > 1 else { return nil }
        let largest = FleetSchedule(total: hostCount, options: options).sizes.max() ?? hostCount
        let sessions = SessionGate.shared.limit
        let atOnce = min(options.parallel, sessions)
        guard largest > atOnce else { return nil }
        let limit = sessions < options.parallel ? "--max-sessions \(sessions)" : "--parallel \(options.parallel)"
        return "ferry: \(script.file):\(first.line): barrier waits for every host of "
            + (options.waves.isEmpty ? "the run" : "a wave") + " at once, but "
            + (options.waves.isEmpty ? "the run has" : "a wave has") + " \(largest) hosts and \(limit) lets \(atOnce)"
            + " run at once; raise it, or give --waves no larger than \(atOnce)"
    }

    /// The waves and the failure budget in words, for `--check` and `-v`: `20 hosts in 4 waves
    /// (1, 5, 5, 9); failure budget: 2 of 20 hosts (10%); barriers: line 4 (stage)`.
    public static func plan(for script: Script, hosts hostCount: Int, options: FleetOptions) -> String {
        let schedule = FleetSchedule(total: hostCount, options: options)
        let sizes = schedule.sizes.map(String.init)
        var text = "\(hostCount) host\(hostCount == 1 ? "" : "s")"
        if schedule.hasWaves {
            text += " in \(sizes.count) wave\(sizes.count == 1 ? "" : "s") (\(sizes.joined(separator: ", ")))"
        }
        if let maxFail = options.maxFail, let budget = schedule.budget {
            text += "; failure budget: \(budget) of \(hostCount) hosts"
            if case .percent = maxFail { text += " (\(maxFail))" }
        } else {
            text += "; no failure budget (hosts keep starting whatever fails)"
        }
        if !options.bandwidth.isNone {
            text += "; transfers capped at \(options.bandwidth.description) for the run"
            if let shard = options.shard { text += " (this shard's own, \(shard.index) of \(shard.count))" }
        }
        let barriers = script.barriers.map { line -> String in
            if case .barrier(let name?) = line.command { return "line \(line.line) (\(name))" }
            return "line \(line.line)"
        }
        if !barriers.isEmpty {
            let budget = schedule.budget ?? 0
            text +=
                "; barrier\(barriers.count == 1 ? "" : "s") at " + barriers.joined(separator: ", ")
                + " hold\(barriers.count == 1 ? "s" : "") every waiting host once more than \(budget)"
                + " host\(budget == 1 ? "" : "s") "
                + "\(budget == 1 ? "has" : "have") failed"
        }
        return text
    }
}
