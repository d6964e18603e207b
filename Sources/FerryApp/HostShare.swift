import Foundation

/// A number of hosts, given outright (`10`) or as a whole-number percentage of all the hosts of a
/// run (`10%`): a wave size (`--waves`) or a failure budget (`--max-fail`).
public enum HostShare: Sendable, Equatable, CustomStringConvertible {
    case count(Int)
    case percent(Int)

    /// Reads `N` (a whole number from 0) or `P%` (P a whole number from 0 to 100); nil for anything else.
    public init?(_ text: String) {
        let isPercent = text.hasSuffix("%")
        let digits = isPercent ? text.dropLast() : Substring(text)
        guard !digits.isEmpty, digits.count <= 9, digits.allSatisfy({ $0.isASCII && $0.isNumber }),
            let value = Int(digits)
        else { return nil }
        if isPercent {
            guard value <= 100 else { return nil }
            self = .percent(value)
        } else {
            self = .count(value)
        }
    }

    /// Reads a comma list of shares (`1,10%,50%`); nil when any part is not one.
    public static func list(_ text: String) -> [HostShare]? {
        let parts = text.split(separator: ",", omittingEmptySubsequences: false).map {
            HostShare(String($0.trimmingCharacters(in: .whitespaces)))
        }
        guard !parts.isEmpty, parts.allSatisfy({ $0 != nil }) else { return nil }
        return parts.compactMap { $0 }
    }

    /// Whether this is no hosts at all (`0` or `0%`).
    public var isZero: Bool { self == .count(0) || self == .percent(0) }

    /// The number of hosts this is out of `total`: a percentage rounded up (a wave) or down (a budget).
    public func hosts(of total: Int, roundingUp: Bool) -> Int {
        switch self {
        case .count(let count): return count
        case .percent(let percent):
            let product = percent * total
            return roundingUp ? (product + 99) / 100 : product / 100
        }
    }

    public var description: String {
        switch self {
        case .count(let count): return String(count)
        case .percent(let percent): return "\(percent)%"
        }
    }
}
