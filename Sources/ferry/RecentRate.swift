import Foundation

/// Bytes a second over the last few seconds, from counts noted as a transfer goes: what the meter
/// and the live count of a run over many hosts show.
struct RecentRate {
    /// The window: counts older than this are let go (the two latest always stay).
    static let window: TimeInterval = 3
    private var samples: [(time: Date, bytes: UInt64)] = []

    /// Whether nothing has been noted since the start or the last ``reset()``.
    var isEmpty: Bool { samples.isEmpty }

    /// Notes that `bytes` had moved in all at `time`.
    mutating func note(_ bytes: UInt64, at time: Date) {
        samples.append((time, bytes))
        while samples.count > 2, let first = samples.first, time.timeIntervalSince(first.time) > Self.window {
            samples.removeFirst()
        }
    }

    /// Starts again, for another transfer.
    mutating func reset() { samples = [] }

    /// Bytes a second from the oldest count kept to the latest (the oldest count's bytes had already
    /// moved, so they do not count); nil until the counts span `minimum` seconds, or when they went
    /// down.
    func perSecond(at now: Date, over minimum: TimeInterval) -> Double? {
        guard let first = samples.first, let last = samples.last, last.bytes >= first.bytes else { return nil }
        let seconds = now.timeIntervalSince(first.time)
        return seconds >= minimum && seconds > 0 ? Double(last.bytes - first.bytes) / seconds : nil
    }
}
