import Foundation

/// A rate as a value: bytes a second, by reservation. Each caller takes the bytes it is about to
/// move and is told how long to wait before moving them; the balance may go below zero, so callers
/// queue in the order they asked, and the bytes allowed over any window of `t` seconds are at most
/// `burst + rate × t`.
///
/// Holds no clock and no lock: the caller says what time it is (unit tests use made-up times) and
/// keeps it where its threads meet.
package struct TokenBucket: Sendable {
    /// Bytes a second.
    package let rate: Double
    /// The most that may go at once after a quiet spell.
    package let burst: Double
    /// Bytes that may go now without waiting (negative: reserved ahead).
    package private(set) var balance: Double
    /// When the balance was last brought up to date.
    private var updated: Double

    /// A bucket of `rate` bytes a second that holds `burst` seconds' worth at most, empty at `now`
    /// (a run's first bytes are paced from the start) or full.
    package init(rate: UInt64, burst seconds: Double = 1, now: Double, full: Bool = false) {
        self.rate = Double(max(1, rate))
        burst = max(1, Double(max(1, rate)) * seconds)
        balance = full ? burst : 0
        updated = now
    }

    /// Reserves `bytes` at `now`; returns the seconds to wait before they may go (0: at once).
    package mutating func take(_ bytes: Int, at now: Double) -> Double {
        refill(at: now)
        balance -= Double(bytes)
        return balance >= 0 ? 0 : -balance / rate
    }

    private mutating func refill(at now: Double) {
        if now > updated {
            balance = min(burst, balance + (now - updated) * rate)
            updated = now
        }
    }
}
