import Foundation
import Testing

@testable import FerryApp

/// The fleet supervisor's decisions, driven with made-up times: no threads, no sockets, no waiting.
@Suite("Fleet schedule")
struct FleetScheduleTests {
    /// A clock that moves only when told.
    struct FakeClock {
        var now = Date(timeIntervalSince1970: 1_800_000_000)
        mutating func advance(_ seconds: TimeInterval) { now += seconds }
    }

    @Test func startsAsManyAsAllowedAndOneMoreForEachThatEnds() {
        var clock = FakeClock()
        var schedule = FleetSchedule(total: 5, parallel: 2)
        #expect(schedule.handle(.tick, at: clock.now) == [.launch(0), .launch(1)])
        #expect(schedule.handle(.tick, at: clock.now) == [])
        clock.advance(1)
        #expect(schedule.handle(.finished(1, failed: false), at: clock.now) == [.launch(2)])
        #expect(schedule.handle(.finished(0, failed: true), at: clock.now) == [.launch(3)])
        #expect((schedule.done, schedule.failed, schedule.running.count) == (2, 1, 2))
        #expect(schedule.handle(.finished(2, failed: false), at: clock.now) == [.launch(4)])
        #expect(schedule.handle(.finished(3, failed: false), at: clock.now) == [])
        #expect(!schedule.isFinished)
        #expect(schedule.handle(.finished(4, failed: false), at: clock.now) == [])
        #expect(schedule.isFinished)
        #expect((schedule.done, schedule.failed) == (5, 1))
    }

    @Test func aHostThatEndsTwiceOrWasNeverStartedChangesNothing() {
        var schedule = FleetSchedule(total: 3, parallel: 1)
        let now = Date()
        #expect(schedule.handle(.tick, at: now) == [.launch(0)])
        #expect(schedule.handle(.finished(2, failed: true), at: now) == [])
        #expect(schedule.handle(.finished(0, failed: false), at: now) == [.launch(1)])
        #expect(schedule.handle(.finished(0, failed: true), at: now) == [])
        #expect((schedule.done, schedule.failed) == (1, 0))
    }

    @Test func noParallelismStillRunsOneAtATime() {
        var schedule = FleetSchedule(total: 2, parallel: 0)
        #expect(schedule.handle(.tick, at: Date()) == [.launch(0)])
    }

    @Test func anEmptyRunIsFinishedAtOnce() {
        var schedule = FleetSchedule(total: 0, parallel: 4)
        #expect(schedule.isFinished)
        #expect(schedule.handle(.tick, at: Date()) == [])
    }

    @Test func aBudgetOfNoneSkipsTheHostsNotStartedAndLetsRunningOnesEnd() {
        var schedule = FleetSchedule(total: 5, parallel: 2, budget: 0)
        let now = Date()
        #expect(schedule.handle(.tick, at: now) == [.launch(0), .launch(1)])
        #expect(
            schedule.handle(.finished(0, failed: true), at: now)
                == (2...4).map { .skip($0, .budgetSpent(failed: 1, total: 5, budget: 0)) })
        // The host still running is neither interrupted nor cut: it finishes its script.
        #expect(schedule.handle(.tick, at: now + 60) == [])
        #expect(!schedule.isFinished)
        #expect(schedule.handle(.finished(1, failed: false), at: now + 61) == [])
        #expect(schedule.isFinished)
        #expect((schedule.done, schedule.failed) == (5, 1))
    }

    @Test func withoutABudgetAFailureChangesNothingElse() {
        var schedule = FleetSchedule(total: 3, parallel: 1)
        let now = Date()
        _ = schedule.handle(.tick, at: now)
        #expect(schedule.handle(.finished(0, failed: true), at: now) == [.launch(1)])
    }

    @Test func anInterruptionStopsRunningHostsSkipsTheRestAndCutsStragglersAfterTheGrace() {
        var clock = FakeClock()
        var schedule = FleetSchedule(total: 4, parallel: 2)
        #expect(schedule.handle(.tick, at: clock.now) == [.launch(0), .launch(1)])
        clock.advance(3)
        #expect(
            schedule.handle(.interrupted, at: clock.now) == [
                .interrupt(0), .interrupt(1), .skip(2, .interrupted), .skip(3, .interrupted),
            ])
        // The interruption is seen again on every turn of the loop; it is acted on once.
        clock.advance(1)
        #expect(schedule.handle(.interrupted, at: clock.now) == [])
        #expect(schedule.handle(.finished(0, failed: true), at: clock.now) == [])
        clock.advance(FleetSchedule.interruptGrace)
        #expect(schedule.handle(.tick, at: clock.now) == [.cut(1)])
        // Cut once only.
        clock.advance(5)
        #expect(schedule.handle(.interrupted, at: clock.now) == [])
        #expect(schedule.handle(.finished(1, failed: true), at: clock.now) == [])
        #expect(schedule.isFinished)
        #expect((schedule.done, schedule.failed) == (4, 2))
    }

    @Test func anInterruptionWithinTheGraceCutsNothing() {
        var clock = FakeClock()
        var schedule = FleetSchedule(total: 1, parallel: 1)
        _ = schedule.handle(.tick, at: clock.now)
        #expect(schedule.handle(.interrupted, at: clock.now) == [.interrupt(0)])
        clock.advance(FleetSchedule.interruptGrace)
        #expect(schedule.handle(.tick, at: clock.now) == [])
    }

    @Test func theSlowestAreTheLongestRunningPastFiveSeconds() {
        var clock = FakeClock()
        var schedule = FleetSchedule(total: 6, parallel: 5)
        _ = schedule.handle(.tick, at: clock.now)
        _ = schedule.handle(.finished(0, failed: false), at: clock.now)  // 5 starts now
        clock.advance(4)
        #expect(schedule.slowest(at: clock.now).isEmpty)
        _ = schedule.handle(.finished(2, failed: false), at: clock.now)
        clock.advance(3)
        let slowest = schedule.slowest(at: clock.now)
        #expect(slowest.map(\.index) == [1, 3, 4])
        #expect(slowest.map(\.seconds) == [7, 7, 7])
        clock.advance(10)
        #expect(schedule.slowest(at: clock.now, count: 6).map(\.index) == [1, 3, 4, 5])
    }

    @Test func wavesStartOneAfterAnotherAndTheLastSizeRepeats() {
        var schedule = FleetSchedule(total: 8, parallel: 2, waveSizes: [1, 3])
        #expect(schedule.sizes == [1, 3, 3, 1])
        #expect((0..<8).map(schedule.wave(of:)) == [1, 2, 2, 2, 3, 3, 3, 4])
        let now = Date()
        #expect(schedule.handle(.tick, at: now) == [.startWave(1), .launch(0)])
        #expect(schedule.handle(.finished(0, failed: false), at: now) == [.startWave(2), .launch(1), .launch(2)])
        // Inside a wave --parallel still applies; the next wave waits for the last host of this one.
        #expect(schedule.handle(.finished(1, failed: false), at: now) == [.launch(3)])
        #expect(schedule.handle(.finished(2, failed: false), at: now) == [])
        #expect(schedule.handle(.finished(3, failed: false), at: now) == [.startWave(3), .launch(4), .launch(5)])
        #expect(schedule.hosts(inWave: 3) == 4..<7)
        #expect(schedule.handle(.finished(4, failed: false), at: now) == [.launch(6)])
        _ = schedule.handle(.finished(5, failed: false), at: now)
        #expect(schedule.handle(.finished(6, failed: false), at: now) == [.startWave(4), .launch(7)])
        #expect(schedule.handle(.finished(7, failed: false), at: now) == [])
        #expect(schedule.isFinished)
    }

    @Test func percentagesOfTheHostsRoundUpForWavesAndDownForTheBudget() {
        #expect(FleetSchedule.waveSizes([.count(1), .percent(25)], total: 20) == [1, 5])
        #expect(FleetSchedule(total: 20, parallel: 32, waveSizes: [1, 5]).sizes == [1, 5, 5, 5, 4])
        #expect(FleetSchedule.waveSizes([.percent(10)], total: 7) == [1])
        #expect(HostShare.percent(10).hosts(of: 40, roundingUp: false) == 4)
        #expect(HostShare.percent(10).hosts(of: 19, roundingUp: false) == 1)
        #expect(HostShare.percent(10).hosts(of: 9, roundingUp: false) == 0)
        #expect(HostShare.percent(100).hosts(of: 9, roundingUp: true) == 9)
    }

    @Test func hostSharesAreWholeCountsOrPercentagesUpToAHundred() {
        #expect(HostShare("0") == .count(0))
        #expect(HostShare("12") == .count(12))
        #expect(HostShare("0%") == .percent(0))
        #expect(HostShare("100%") == .percent(100))
        for bad in ["", "%", "-1", "101%", "1.5", "10 %", "x", "1e3", "١٢", "99999999999"] {
            #expect(HostShare(bad) == nil, "\(bad)")
        }
        #expect(HostShare.list("1,10%,50%") == [.count(1), .percent(10), .percent(50)])
        #expect(HostShare.list("1,,2") == nil)
        #expect(HostShare.list("1,x") == nil)
    }

    @Test func aWaveThatSpendsTheBudgetStartsNoFurtherWave() {
        // 20 hosts in waves 1, 25% (5): one host of wave 2 fails with a budget of none.
        var schedule = FleetSchedule(total: 20, parallel: 32, waveSizes: [1, 5], budget: 0)
        let now = Date()
        #expect(schedule.handle(.tick, at: now) == [.startWave(1), .launch(0)])
        #expect(
            schedule.handle(.finished(0, failed: false), at: now) == [.startWave(2)]
                + (1...5).map(FleetSchedule.Action.launch))
        let spent = FleetSchedule.SkipReason.budgetSpent(failed: 1, total: 20, budget: 0)
        #expect(schedule.handle(.finished(3, failed: true), at: now) == (6..<20).map { .skip($0, spent) })
        #expect(spent.message == "failure budget spent (1 of 20 hosts failed, budget 0)")
        // The rest of wave 2 runs to its end; nothing more starts.
        for index in [1, 2, 4, 5] { #expect(schedule.handle(.finished(index, failed: false), at: now) == []) }
        #expect(schedule.isFinished)
        #expect((schedule.done, schedule.failed) == (20, 1))
    }

    @Test func aBudgetHoldsUntilMoreHostsThanItAllowHaveFailed() {
        // 10% of 20 hosts is 2: two failures are within it, the third spends it.
        var schedule = FleetSchedule(
            total: 20, parallel: 1, budget: HostShare.percent(10).hosts(of: 20, roundingUp: false))
        let now = Date()
        #expect(schedule.handle(.tick, at: now) == [.launch(0)])
        #expect(schedule.handle(.finished(0, failed: true), at: now) == [.launch(1)])
        #expect(schedule.handle(.finished(1, failed: true), at: now) == [.launch(2)])
        #expect(schedule.handle(.finished(2, failed: false), at: now) == [.launch(3)])
        let actions = schedule.handle(.finished(3, failed: true), at: now)
        #expect(actions == (4..<20).map { .skip($0, .budgetSpent(failed: 3, total: 20, budget: 2)) })
        #expect(schedule.isFinished)
    }

    @Test func theBudgetIsCheckedBetweenWavesToo() {
        // A failure in wave 1 within the budget lets wave 2 start; one more spends it between waves.
        var schedule = FleetSchedule(total: 6, parallel: 4, waveSizes: [2], budget: 1)
        let now = Date()
        #expect(schedule.handle(.tick, at: now) == [.startWave(1), .launch(0), .launch(1)])
        #expect(schedule.handle(.finished(0, failed: true), at: now) == [])
        #expect(schedule.handle(.finished(1, failed: false), at: now) == [.startWave(2), .launch(2), .launch(3)])
        #expect(schedule.handle(.finished(2, failed: false), at: now) == [])
        #expect(
            schedule.handle(.finished(3, failed: true), at: now)
                == [
                    .skip(4, .budgetSpent(failed: 2, total: 6, budget: 1)),
                    .skip(5, .budgetSpent(failed: 2, total: 6, budget: 1)),
                ])
    }

    @Test func anInterruptionDuringAWaveSkipsTheLaterWaves() {
        var schedule = FleetSchedule(total: 4, parallel: 4, waveSizes: [2])
        let now = Date()
        _ = schedule.handle(.tick, at: now)
        #expect(
            schedule.handle(.interrupted, at: now) == [
                .interrupt(0), .interrupt(1), .skip(2, .interrupted), .skip(3, .interrupted),
            ])
    }
}
