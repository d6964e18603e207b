import FerryBase
import Foundation

/// The cap on a whole run's transfers (`--bwlimit`): every host and every stream draws from one budget
/// per way.
///
/// Fairness between hosts comes from how they draw: each host has one turn (``HostBandwidth``), so it
/// holds at most one reservation here at a time, and a reservation is one small piece
/// (``HostBandwidth/quantum(for:)``). Reservations queue in the order they are made, so hosts that all
/// want more than their share are served a piece each in turn, however many streams each runs.
package final class RunBandwidth: @unchecked Sendable {
    /// The caps, nil where a way is not capped.
    package let caps: BandwidthCaps
    private let lock = NSLock()
    private var buckets: [TransferDirection: TokenBucket] = [:]
    private var lanes: [TransferDirection: Int] = [:]

    /// A budget of `caps`, its buckets empty: the run's first bytes are paced from the start.
    package init(caps: BandwidthCaps) {
        self.caps = caps
        let now = Pace.now()
        for direction in TransferDirection.allCases {
            if let rate = caps[direction] {
                buckets[direction] = TokenBucket(rate: rate, burst: Pace.burstSeconds, now: now)
            }
        }
    }

    /// Reserves `bytes` one way; returns the seconds to wait before they count as sent.
    func take(_ bytes: Int, _ direction: TransferDirection) -> Double {
        lock.withLock { buckets[direction]?.take(bytes, at: Pace.now()) ?? 0 }
    }

    /// Notes a stream starting (`change` 1) or ending (-1) one way.
    func count(_ direction: TransferDirection, _ change: Int) {
        lock.withLock { lanes[direction, default: 0] += change }
    }

    /// Streams moving bytes one way now, across the run.
    func streams(_ direction: TransferDirection) -> Int { lock.withLock { lanes[direction] ?? 0 } }
}

/// The clock and the waiting that pacing shares.
enum Pace {
    /// The most a bucket lets go at once after a quiet spell, in seconds of its rate: a quarter of a
    /// second, so that over ten seconds the bytes stay within 5% of the cap even counting what the
    /// streams keep in flight.
    static let burstSeconds = 0.25

    private static let origin = ContinuousClock.now

    /// Seconds since the first use, on the monotonic clock.
    static func now() -> Double { origin.duration(to: .now).inSeconds }

    /// Waits `seconds` (shorter waits are left to the next reservation, which counts them), calling
    /// `idle` each second; throws when `cancellation` stops the wait.
    static func wait(_ seconds: Double, name: String, cancellation: Cancellation, idle: () -> Void)
        throws(CommandFailure)
    {
        guard seconds >= 0.002 else { return }
        var left = seconds
        while left > 0 {
            let slice = min(left, 1)
            if cancellation.wait(seconds: slice) { throw CommandFailure.interrupted(name) }
            left -= slice
            if left > 0 { idle() }
        }
    }
}
