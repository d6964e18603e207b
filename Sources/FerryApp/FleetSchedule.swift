import Foundation

/// Which host runs when, in a run over many hosts: the supervisor's decisions as a value that takes an
/// event and answers with the actions to carry out.
///
/// It holds no threads, sockets or clock: every event says what time it is, so unit tests drive it
/// with made-up times. ``Fleet`` feeds it what happens (hosts finishing, Ctrl-C, the passing of
/// time) and does what it answers (start a wave or a host's thread, stop or cut a host, record a
/// host that will not start).
///
/// Hosts start in their order, `parallel` at a time, wave by wave: a wave starts once every host of
/// the one before has ended. Once more hosts have failed than the budget allows, no host starts
/// again; the hosts running go on to their end.
package struct FleetSchedule {
    /// Something that happened.
    package enum Event: Equatable {
        /// Time passed; nothing else happened. The run starts with one.
        case tick
        /// The host at this index ended; `failed` when it counts against the failure budget.
        case finished(Int, failed: Bool)
        /// The user asked the run to stop (Ctrl-C, or a termination signal).
        case interrupted
    }

    /// Something to do.
    package enum Action: Equatable {
        /// A wave starts (numbered from 1); its hosts' launches follow.
        case startWave(Int)
        /// Start the host at this index.
        case launch(Int)
        /// Ask the host to stop between steps.
        case interrupt(Int)
        /// Stop the host at once, shutting its sockets (it did not stop when asked).
        case cut(Int)
        /// Record the host as not run, and why.
        case skip(Int, SkipReason)
    }

    /// Why a host was not started.
    package enum SkipReason: Equatable {
        /// The run was interrupted first.
        case interrupted
        /// More hosts had failed than the budget allows.
        case budgetSpent(failed: Int, total: Int, budget: Int)

        /// The reason in words, as the report gives it.
        package var message: String {
            switch self {
            case .interrupted: return "not run: interrupted"
            case .budgetSpent(let failed, let total, let budget):
                return FleetSchedule.budgetSpent(failed: failed, total: total, budget: budget)
            }
        }
    }

    /// Seconds an interrupted host may take to stop between steps before it is cut.
    package static let interruptGrace: TimeInterval = 2

    /// Hosts in the run.
    package let total: Int
    /// Hosts running at once, at least one.
    package let parallel: Int
    /// Where each wave ends: the index one past its last host. One wave of every host without waves.
    package let waveEnds: [Int]
    /// Whether the run was asked for waves (only then are wave starts announced).
    package let hasWaves: Bool
    /// Hosts that may fail before no more start; nil for no budget.
    package let budget: Int?

    /// When each running host started, by index.
    package private(set) var running: [Int: Date] = [:]
    /// The next host to start.
    package private(set) var next = 0
    /// The wave running now, from 0; nil before the first.
    package private(set) var wave: Int?
    /// Hosts finished or skipped, and those of them that failed.
    package private(set) var done = 0
    package private(set) var failed = 0
    /// When the run was interrupted, if it was.
    package private(set) var interruptedAt: Date?
    /// Why no more hosts start, once none do.
    package private(set) var stopReason: SkipReason?
    /// Hosts already cut, so each is cut once.
    private var cut: Set<Int> = []

    /// A schedule for `total` hosts, `parallel` at a time, in waves of `waveSizes` (the last size
    /// repeating; none: one wave), starting no host once more than `budget` hosts have failed.
    package init(total: Int, parallel: Int, waveSizes: [Int] = [], budget: Int? = nil) {
        self.total = total
        self.parallel = max(1, parallel)
        self.budget = budget
        hasWaves = !waveSizes.isEmpty
        var ends: [Int] = []
        var end = 0
        var sizes = waveSizes.map { max(1, $0) }[...]
        while end < total {
            let size = sizes.count > 1 ? sizes.removeFirst() : sizes.first ?? total
            end = min(total, end + size)
            ends.append(end)
        }
        waveEnds = ends
    }

    /// The schedule `options` ask for over `total` hosts: their waves (percentages rounded up) and
    /// their failure budget (a percentage rounded down).
    package init(total: Int, options: FleetOptions) {
        self.init(
            total: total, parallel: options.parallel, waveSizes: Self.waveSizes(options.waves, total: total),
            budget: options.maxFail.map { $0.hosts(of: total, roundingUp: false) })
    }

    /// The sizes of `shares` as host counts out of `total` (percentages rounded up).
    package static func waveSizes(_ shares: [HostShare], total: Int) -> [Int] {
        shares.map { $0.hosts(of: total, roundingUp: true) }
    }

    /// The words for a spent budget: `failure budget spent (3 of 40 hosts failed, budget 2)`.
    package static func budgetSpent(failed: Int, total: Int, budget: Int) -> String {
        "failure budget spent (\(failed) of \(total) host\(total == 1 ? "" : "s") failed, budget \(budget))"
    }

    /// Whether every host has finished or been skipped.
    package var isFinished: Bool { done == total }

    /// Whether no more hosts start.
    package var stopsLaunching: Bool { stopReason != nil }

    /// The number of waves.
    package var waveCount: Int { waveEnds.count }

    /// The number of hosts in each wave.
    package var sizes: [Int] { zip([0] + waveEnds.dropLast(), waveEnds).map { $1 - $0 } }

    /// The wave of the host at `index`, from 1; nil in a run without waves.
    package func wave(of index: Int) -> Int? {
        hasWaves ? (waveEnds.firstIndex { index < $0 } ?? waveEnds.count - 1) + 1 : nil
    }

    /// The hosts in the wave numbered `number` (from 1).
    package func hosts(inWave number: Int) -> Range<Int> {
        (number >= 2 ? waveEnds[number - 2] : 0)..<waveEnds[number - 1]
    }

    /// Takes in `event`, which happened at `now`, and says what to do, in order.
    package mutating func handle(_ event: Event, at now: Date) -> [Action] {
        var actions: [Action] = []
        switch event {
        case .tick: break
        case .finished(let index, let hostFailed):
            guard running.removeValue(forKey: index) != nil else { return [] }
            done += 1
            if hostFailed { failed += 1 }
            if let budget, failed > budget, stopReason == nil {
                stopReason = .budgetSpent(failed: failed, total: total, budget: budget)
            }
        case .interrupted:
            if interruptedAt == nil {
                interruptedAt = now
                if stopReason == nil { stopReason = .interrupted }
                actions += running.keys.sorted().map(Action.interrupt)
            }
        }
        if let interruptedAt, now.timeIntervalSince(interruptedAt) > Self.interruptGrace {
            for index in running.keys.sorted() where !cut.contains(index) {
                cut.insert(index)
                actions.append(.cut(index))
            }
        }
        launch(into: &actions, at: now)
        if let stopReason, next < total {
            actions += (next..<total).map { .skip($0, stopReason) }
            done += total - next
            next = total
        }
        return actions
    }

    /// Starts hosts while there is room in the wave, and the next wave once the last has ended.
    private mutating func launch(into actions: inout [Action], at now: Date) {
        while stopReason == nil, next < total {
            if wave.map({ next == waveEnds[$0] }) ?? true {
                guard running.isEmpty else { return }
                let number = (wave ?? -1) + 1
                wave = number
                if hasWaves { actions.append(.startWave(number + 1)) }
            }
            guard running.count < parallel else { return }
            running[next] = now
            actions.append(.launch(next))
            next += 1
        }
    }

    /// The hosts running longest (at least `least` seconds), longest first, at most `count`.
    package func slowest(at now: Date, count: Int = 3, least: Int = 5) -> [(index: Int, seconds: Int)] {
        running.sorted { ($0.value, $0.key) < ($1.value, $1.key) }.prefix(count)
            .map { (index: $0.key, seconds: Int(now.timeIntervalSince($0.value))) }
            .filter { $0.seconds >= least }
    }
}
