import FerryBase
import FerryCore
import Foundation
import Testing

@testable import FerryApp

/// Barriers decided by one value: hosts wait on threads of their own, as in a run.
@Suite("Fleet barriers")
struct FleetBarriersTests {
    /// Starts a host waiting at `line` on a thread of its own; the verdict lands in the box.
    final class Waiter: @unchecked Sendable {
        let done = DispatchSemaphore(value: 0)
        let cancellation = Cancellation()
        private let lock = NSLock()
        private var stored: BarrierVerdict??

        init(_ barriers: FleetBarriers, host: Int, line: Int = 4, failedBefore: Bool = false) {
            let gate = barriers.gate(for: host)
            Thread { [self] in
                let verdict = gate.wait(
                    atLine: line, name: nil, failedBefore: failedBefore, cancellation: cancellation)
                lock.withLock { stored = .some(verdict) }
                done.signal()
            }.start()
        }

        /// The verdict, waiting up to `seconds` for it; nil when none came (`.some(nil)`: stopped).
        func verdict(within seconds: Double = 5) -> BarrierVerdict?? {
            guard done.wait(timeout: .now() + seconds) == .success else { return nil }
            done.signal()
            return lock.withLock { stored }
        }
    }

    @Test func everyHostArrivingReleasesThemAllTogether() {
        let barriers = FleetBarriers(schedule: FleetSchedule(total: 3, parallel: 3), budget: 0)
        let first = Waiter(barriers, host: 0)
        let second = Waiter(barriers, host: 1)
        #expect(first.verdict(within: 0.3) == nil)
        #expect(second.verdict(within: 0.1) == nil)
        let last = Waiter(barriers, host: 2)
        for waiter in [first, second, last] { #expect(waiter.verdict() == .some(.released(hosts: 3))) }
    }

    @Test func aHostThatFailedBeforeTheBarrierHoldsEveryone() {
        let barriers = FleetBarriers(schedule: FleetSchedule(total: 3, parallel: 3), budget: 0)
        let first = Waiter(barriers, host: 0)
        let second = Waiter(barriers, host: 1)
        barriers.hostEnded(2, failed: true)
        let held = BarrierVerdict.held(reason: "failure budget spent (1 of 3 hosts failed, budget 0)")
        #expect(first.verdict() == .some(held))
        #expect(second.verdict() == .some(held))
    }

    @Test func aFailureWithinTheBudgetLetsTheOthersGoOn() {
        let barriers = FleetBarriers(schedule: FleetSchedule(total: 3, parallel: 3), budget: 1)
        let first = Waiter(barriers, host: 0, failedBefore: true)
        let second = Waiter(barriers, host: 1)
        barriers.hostEnded(2, failed: false)
        #expect(first.verdict() == .some(.released(hosts: 2)))
        #expect(second.verdict() == .some(.released(hosts: 2)))
    }

    @Test func aHostArrivingWithAFailureCountsAgainstTheBudget() {
        let barriers = FleetBarriers(schedule: FleetSchedule(total: 2, parallel: 2), budget: 0)
        let first = Waiter(barriers, host: 0, failedBefore: true)
        let second = Waiter(barriers, host: 1)
        #expect(first.verdict() == .some(.held(reason: "failure budget spent (1 of 2 hosts failed, budget 0)")))
        #expect(second.verdict() != nil)
    }

    @Test func aStoppedHostLeavesTheWaitAndTheOthersWaitForItsEnd() {
        let barriers = FleetBarriers(schedule: FleetSchedule(total: 2, parallel: 2), budget: 0)
        let first = Waiter(barriers, host: 0)
        let second = Waiter(barriers, host: 1, line: 9)
        #expect(first.verdict(within: 0.2) == nil)
        second.cancellation.cut(timedOut: true)
        #expect(second.verdict() == .some(nil))
        #expect(first.verdict(within: 0.2) == nil)
        // Cut off before the barrier: it counts as failed.
        barriers.hostEnded(1, failed: true)
        #expect(first.verdict() == .some(.held(reason: "failure budget spent (1 of 2 hosts failed, budget 0)")))
    }

    @Test func aWaiterCutAtTheSameMomentAsAHungHostEndsHeldWhenItsEndComesSoon() {
        let barriers = FleetBarriers(schedule: FleetSchedule(total: 2, parallel: 2), budget: 0)
        let waiter = Waiter(barriers, host: 0)
        #expect(waiter.verdict(within: 0.2) == nil)
        waiter.cancellation.cut(timedOut: true)
        #expect(waiter.verdict(within: 0.3) == nil)
        barriers.hostEnded(1, failed: true)
        #expect(waiter.verdict() == .some(.held(reason: "failure budget spent (1 of 2 hosts failed, budget 0)")))
    }

    @Test func anInterruptedWaiterLeavesAtOnce() {
        let barriers = FleetBarriers(schedule: FleetSchedule(total: 2, parallel: 2), budget: 0)
        let waiter = Waiter(barriers, host: 0)
        waiter.cancellation.interrupt()
        #expect(waiter.verdict(within: 1) == .some(nil))
    }

    @Test func eachWaveWaitsForItsOwnHostsOnly() {
        let schedule = FleetSchedule(total: 3, parallel: 3, waveSizes: [1])
        let barriers = FleetBarriers(schedule: schedule, budget: 0)
        #expect(Waiter(barriers, host: 0).verdict() == .some(.released(hosts: 1)))
        barriers.hostEnded(0, failed: false)
        let second = Waiter(barriers, host: 1)
        #expect(second.verdict() == .some(.released(hosts: 1)))
    }
}
