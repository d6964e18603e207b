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
        var schedule = FleetSchedule(total: 5, parallel: 2, failFast: false)
        #expect(schedule.handle(.tick, at: clock.now) == [.launch(0), .launch(1)])
        #expect(schedule.handle(.tick, at: clock.now) == [])
        clock.advance(1)
        #expect(schedule.handle(.finished(1, succeeded: true), at: clock.now) == [.launch(2)])
        #expect(schedule.handle(.finished(0, succeeded: false), at: clock.now) == [.launch(3)])
        #expect((schedule.done, schedule.failed, schedule.running.count) == (2, 1, 2))
        #expect(schedule.handle(.finished(2, succeeded: true), at: clock.now) == [.launch(4)])
        #expect(schedule.handle(.finished(3, succeeded: true), at: clock.now) == [])
        #expect(!schedule.isFinished)
        #expect(schedule.handle(.finished(4, succeeded: true), at: clock.now) == [])
        #expect(schedule.isFinished)
        #expect((schedule.done, schedule.failed) == (5, 1))
    }

    @Test func aHostThatEndsTwiceOrWasNeverStartedChangesNothing() {
        var schedule = FleetSchedule(total: 3, parallel: 1, failFast: false)
        let now = Date()
        #expect(schedule.handle(.tick, at: now) == [.launch(0)])
        #expect(schedule.handle(.finished(2, succeeded: false), at: now) == [])
        #expect(schedule.handle(.finished(0, succeeded: true), at: now) == [.launch(1)])
        #expect(schedule.handle(.finished(0, succeeded: false), at: now) == [])
        #expect((schedule.done, schedule.failed) == (1, 0))
    }

    @Test func noParallelismStillRunsOneAtATime() {
        var schedule = FleetSchedule(total: 2, parallel: 0, failFast: false)
        #expect(schedule.handle(.tick, at: Date()) == [.launch(0)])
    }

    @Test func anEmptyRunIsFinishedAtOnce() {
        var schedule = FleetSchedule(total: 0, parallel: 4, failFast: false)
        #expect(schedule.isFinished)
        #expect(schedule.handle(.tick, at: Date()) == [])
    }

    @Test func failFastSkipsTheHostsNotStartedAndLetsRunningOnesEnd() {
        var schedule = FleetSchedule(total: 5, parallel: 2, failFast: true)
        let now = Date()
        #expect(schedule.handle(.tick, at: now) == [.launch(0), .launch(1)])
        #expect(
            schedule.handle(.finished(0, succeeded: false), at: now) == [
                .skip(2, .earlierHostFailed), .skip(3, .earlierHostFailed), .skip(4, .earlierHostFailed),
            ])
        // The host still running is neither interrupted nor cut: it finishes its script.
        #expect(schedule.handle(.tick, at: now + 60) == [])
        #expect(!schedule.isFinished)
        #expect(schedule.handle(.finished(1, succeeded: true), at: now + 61) == [])
        #expect(schedule.isFinished)
        #expect((schedule.done, schedule.failed) == (5, 1))
    }

    @Test func withoutFailFastAFailureChangesNothingElse() {
        var schedule = FleetSchedule(total: 3, parallel: 1, failFast: false)
        let now = Date()
        _ = schedule.handle(.tick, at: now)
        #expect(schedule.handle(.finished(0, succeeded: false), at: now) == [.launch(1)])
    }

    @Test func anInterruptionStopsRunningHostsSkipsTheRestAndCutsStragglersAfterTheGrace() {
        var clock = FakeClock()
        var schedule = FleetSchedule(total: 4, parallel: 2, failFast: false)
        #expect(schedule.handle(.tick, at: clock.now) == [.launch(0), .launch(1)])
        clock.advance(3)
        #expect(
            schedule.handle(.interrupted, at: clock.now) == [
                .interrupt(0), .interrupt(1), .skip(2, .interrupted), .skip(3, .interrupted),
            ])
        // The interruption is seen again on every turn of the loop; it is acted on once.
        clock.advance(1)
        #expect(schedule.handle(.interrupted, at: clock.now) == [])
        #expect(schedule.handle(.finished(0, succeeded: false), at: clock.now) == [])
        clock.advance(FleetSchedule.interruptGrace)
        #expect(schedule.handle(.tick, at: clock.now) == [.cut(1)])
        // Cut once only.
        clock.advance(5)
        #expect(schedule.handle(.interrupted, at: clock.now) == [])
        #expect(schedule.handle(.finished(1, succeeded: false), at: clock.now) == [])
        #expect(schedule.isFinished)
        #expect((schedule.done, schedule.failed) == (4, 2))
    }

    @Test func anInterruptionWithinTheGraceCutsNothing() {
        var clock = FakeClock()
        var schedule = FleetSchedule(total: 1, parallel: 1, failFast: false)
        _ = schedule.handle(.tick, at: clock.now)
        #expect(schedule.handle(.interrupted, at: clock.now) == [.interrupt(0)])
        clock.advance(FleetSchedule.interruptGrace)
        #expect(schedule.handle(.tick, at: clock.now) == [])
    }

    @Test func theSlowestAreTheLongestRunningPastFiveSeconds() {
        var clock = FakeClock()
        var schedule = FleetSchedule(total: 6, parallel: 5, failFast: false)
        _ = schedule.handle(.tick, at: clock.now)
        _ = schedule.handle(.finished(0, succeeded: true), at: clock.now)  // 5 starts now
        clock.advance(4)
        #expect(schedule.slowest(at: clock.now).isEmpty)
        _ = schedule.handle(.finished(2, succeeded: true), at: clock.now)
        clock.advance(3)
        let slowest = schedule.slowest(at: clock.now)
        #expect(slowest.map(\.index) == [1, 3, 4])
        #expect(slowest.map(\.seconds) == [7, 7, 7])
        clock.advance(10)
        #expect(schedule.slowest(at: clock.now, count: 6).map(\.index) == [1, 3, 4, 5])
    }
}
