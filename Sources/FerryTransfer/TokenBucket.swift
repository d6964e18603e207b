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
    /// The most that may go at once after a quiet spell: one second's worth.
    package let burst: Double
    /// Bytes that may go now without waiting (negative: reserved ahead).
    package private(set) var balance: Double
    /// When the balance was last brought up to date.
    private var updated: Double

    /// A bucket of `rate` bytes a second, full at `now`.
    package init(rate: UInt64, now: Double) {
        self.rate = Double(max(1, rate))
        burst = Double(max(1, rate))
        balance = burst
        updated = now
    }

    /// Reserves `bytes` at `now`; returns the seconds to wait before they may go (0: at once).
    package mutating func take(_ bytes: Int, at now: Double) -> Double {
        refill(at: now)
        balance -= Double(bytes)
        return balance >= 0 ? 0 : -balance / rate
    }

    /// Gives back `bytes` reserved but not moved (a transfer that ended short).
    package mutating func giveBack(_ bytes: Int, at now: Double) {
        refill(at: now)
        balance = min(burst, balance + Double(bytes))
    }

    private mutating func refill(at now: Double) {
        if now > updated {
            balance = min(burst, balance + (now - updated) * rate)
            updated = now
        }
    }
}

/// A transfer rate as users write it (`--bwlimit`, rsync's and rclone's reading): bytes a second, with
/// binary suffixes `K`, `M`, `G` (`512K`, `20M`, `1.5G`); `0` or `off` is no limit.
package enum TransferRate {
    /// The bytes a second `text` names, 0 for no limit; nil when it names no rate.
    package static func parse(_ text: String) -> UInt64? {
        let lowered = text.lowercased()
        if lowered == "off" || lowered == "0" { return 0 }
        let units: [Character: Double] = ["k": 1024, "m": 1024 * 1024, "g": 1024 * 1024 * 1024]
        var number = Substring(lowered)
        var scale = 1.0
        if let last = number.last, let unit = units[last] {
            scale = unit
            number = number.dropLast()
        } else if number.last == "b" {
            number = number.dropLast()
        }
        guard !number.isEmpty, number.allSatisfy({ $0.isASCII && ($0.isNumber || $0 == ".") }),
            number.filter({ $0 == "." }).count <= 1, let value = Double(number), value.isFinite
        else { return nil }
        let bytes = value * scale
        guard bytes >= 1, bytes < Double(UInt64.max / 2) else { return bytes == 0 ? 0 : nil }
        return UInt64(bytes.rounded())
    }
}
