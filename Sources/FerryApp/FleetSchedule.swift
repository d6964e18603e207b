import Foundation

/// Which host runs when, in a run over many hosts: the supervisor's decisions as a value that takes an
/// event and answers with the actions to carry out.
///
/// It holds no threads, sockets or clock: every event says what time it is, so unit tests drive it
/// with made-up times. ``Fleet`` feeds it what happens (hosts finishing, Ctrl-C, the passing of
/// time) and does what it answers (start a host's thread, stop or cut a host, record a host that
/// will not start).
package struct FleetSchedule {
    /// Something that happened.
    package enum Event: Equatable {
        /// Time passed; nothing else happened. The run starts with one.
        case tick
        /// The host at this index finished, successfully or not.
        case finished(Int, succeeded: Bool)
        /// The user asked the run to stop (Ctrl-C, or a termination signal).
        case interrupted
    }

    /// Something to do.
    package enum Action: Equatable {
        /// Start the host at this index.
        case launch(Int)
        /// Ask the host to stop between steps.
        case interrupt(Int)
        /// Stop the host at once, shutting its sockets (it did not stop when asked).
        case cut(Int)
        /// Record the host as not started, and why.
        case skip(Int, SkipReason)
    }

    /// Why a host was not started.
    package enum SkipReason: Equatable {
        /// The run was interrupted first.
        case interrupted
        /// An earlier host failed and `--fail-fast` was given.
        case earlierHostFailed
    }

    /// Seconds an interrupted host may take to stop between steps before it is cut.
    package static let interruptGrace: TimeInterval = 2

    /// Hosts in the run.
    package let total: Int
    /// Hosts running at once, at least one.
    package let parallel: Int
    /// Whether the first failure stops further hosts from starting.
    package let failFast: Bool

    /// When each running host started, by index.
    package private(set) var running: [Int: Date] = [:]
    /// The next host to start.
    package private(set) var next = 0
    /// Hosts finished or skipped, and those of them that did not succeed.
    package private(set) var done = 0
    package private(set) var failed = 0
    /// When the run was interrupted, if it was.
    package private(set) var interruptedAt: Date?
    /// Whether no more hosts start.
    package private(set) var stopsLaunching = false
    /// Hosts already cut, so each is cut once.
    private var cut: Set<Int> = []

    /// A schedule for `total` hosts, `parallel` at a time.
    package init(total: Int, parallel: Int, failFast: Bool) {
        self.total = total
        self.parallel = max(1, parallel)
        self.failFast = failFast
    }

    /// Whether every host has finished or been skipped.
    package var isFinished: Bool { done == total }

    /// Takes in `event`, which happened at `now`, and says what to do, in order.
    package mutating func handle(_ event: Event, at now: Date) -> [Action] {
        var actions: [Action] = []
        switch event {
        case .tick: break
        case .finished(let index, let succeeded):
            guard running.removeValue(forKey: index) != nil else { return [] }
            done += 1
            if !succeeded {
                failed += 1
                if failFast { stopsLaunching = true }
            }
        case .interrupted:
            stopsLaunching = true
            if interruptedAt == nil {
                interruptedAt = now
                actions += running.keys.sorted().map(Action.interrupt)
            }
        }
        if let interruptedAt, now.timeIntervalSince(interruptedAt) > Self.interruptGrace {
            for index in running.keys.sorted() where !cut.contains(index) {
                cut.insert(index)
                actions.append(.cut(index))
            }
        }
        while !stopsLaunching, running.count < parallel, next < total {
            running[next] = now
            actions.append(.launch(next))
            next += 1
        }
        if stopsLaunching, next < total {
            let reason: SkipReason = interruptedAt != nil ? .interrupted : .earlierHostFailed
            actions += (next..<total).map { .skip($0, reason) }
            done += total - next
            next = total
        }
        return actions
    }

    /// The hosts running longest (at least `least` seconds), longest first, at most `count`.
    package func slowest(at now: Date, count: Int = 3, least: Int = 5) -> [(index: Int, seconds: Int)] {
        running.sorted { ($0.value, $0.key) < ($1.value, $1.key) }.prefix(count)
            .map { (index: $0.key, seconds: Int(now.timeIntervalSince($0.value))) }
            .filter { $0.seconds >= least }
    }
}
