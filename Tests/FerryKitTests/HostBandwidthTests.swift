import Foundation
import Testing

@testable import FerryBase
@testable import FerryTransfer

/// How a host's caps combine and what a capped stream asks for at once; the waiting itself is
/// measured by the integration tests and `make bench-bwlimit`.
@Suite("Host bandwidth")
struct HostBandwidthTests {
    let files = FakeRemoteTree().connection("main")

    @Test func noCapMeansNoLane() {
        let host = HostBandwidth(run: nil)
        #expect(host.open(.down, cancellation: Cancellation(), connection: files) == nil)
        host.setScriptCaps(BandwidthCaps(down: nil, up: 1 << 20))
        #expect(host.open(.down, cancellation: Cancellation(), connection: files) == nil)
        #expect(host.open(.up, cancellation: Cancellation(), connection: files) != nil)
    }

    @Test func theLowestCapOfRunHostAndScriptHolds() throws {
        let run = RunBandwidth(caps: BandwidthCaps(down: 8 << 20, up: 8 << 20))
        let host = HostBandwidth(run: run, configured: BandwidthCaps(down: 2 << 20, up: nil))
        #expect(host.caps == BandwidthCaps(down: 2 << 20, up: 8 << 20))
        host.setScriptCaps(BandwidthCaps(down: 1 << 20, up: 1 << 20))
        #expect(host.caps == BandwidthCaps(down: 1 << 20, up: 1 << 20))
        host.setScriptCaps(.none)
        #expect(host.caps == BandwidthCaps(down: 2 << 20, up: 8 << 20))
        #expect(host.configuredCaps == BandwidthCaps(down: 2 << 20, up: nil))
    }

    @Test func aStreamAsksForAnEighthOfASecondOfItsShare() throws {
        let run = RunBandwidth(caps: BandwidthCaps(down: 8 << 20, up: 8 << 20))
        let first = HostBandwidth(run: run)
        let second = HostBandwidth(run: run, configured: BandwidthCaps(down: 1 << 20, up: 1 << 20))
        let a = try #require(first.open(.down, cancellation: Cancellation(), connection: files))
        // Alone: an eighth of a second of the whole cap.
        #expect(a.limit(4 << 20, minimum: 32 << 10) == 1 << 20)
        let b = try #require(first.open(.down, cancellation: Cancellation(), connection: files))
        let c = try #require(second.open(.down, cancellation: Cancellation(), connection: files))
        // Three streams share the run's 8 MiB/s; the second host's own 1 MiB/s is lower still.
        let third = (8 << 20) / 3 / 8
        #expect(a.limit(4 << 20, minimum: 32 << 10) == third)
        #expect(c.limit(4 << 20, minimum: 32 << 10) == 128 << 10)
        // Never more than asked, never less than the least useful read unless less is asked.
        #expect(a.limit(1000, minimum: 32 << 10) == 1000)
        second.setScriptCaps(BandwidthCaps(down: 64 << 10, up: 64 << 10))
        #expect(c.limit(4 << 20, minimum: 32 << 10) == 32 << 10)
        b.close()
        c.close()
        #expect(a.limit(4 << 20, minimum: 32 << 10) == 1 << 20)
    }

    @Test func aStoppedHostStopsWaiting() throws {
        let host = HostBandwidth(run: nil, configured: BandwidthCaps(down: 1024, up: 1024))
        let cancellation = Cancellation()
        let lane = try #require(host.open(.down, cancellation: cancellation, connection: files))
        cancellation.interrupt()
        // A minute's worth at 1 KiB/s: the stop ends the wait at once.
        #expect(throws: CommandFailure.self) { try lane.pace(60 << 10, name: "big.bin") }
    }
}
