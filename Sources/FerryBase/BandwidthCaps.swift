import Foundation

/// A cap on transfer rates, downloads and uploads apart, as `--bwlimit`, `--bwlimit-host`, a saved
/// session's `bwlimit-host`, a hosts file's `bwlimit-host=` and the script's `bwlimit` write it.
///
/// `RATE` caps both ways; `down=RATE,up=RATE` (either or both, in any order: explicit keys, since
/// lftp and rclone put the pair in opposite orders) sets them apart. A rate is bytes a second with
/// binary suffixes (``TransferRate``); `0` or `off` is no cap. Caps that apply together hold together:
/// ``lowest(with:)`` keeps the lower of each way.
public struct BandwidthCaps: Sendable, Equatable, Codable {
    /// Bytes a second for downloads; nil: no cap.
    public var down: UInt64?
    /// Bytes a second for uploads; nil: no cap.
    public var up: UInt64?

    /// Creates caps from their two ways.
    public init(down: UInt64? = nil, up: UInt64? = nil) {
        self.down = down
        self.up = up
    }

    /// No cap either way.
    public static let none = BandwidthCaps()

    /// Whether neither way is capped.
    public var isNone: Bool { down == nil && up == nil }

    /// The caps `text` gives; nil when it is not `RATE`, `off` or `down=RATE,up=RATE`.
    public init?(_ text: String) {
        let parts = text.split(separator: ",", omittingEmptySubsequences: false)
        if parts.count == 1, !text.contains("=") {
            guard let rate = TransferRate.parse(text) else { return nil }
            self.init(down: rate == 0 ? nil : rate, up: rate == 0 ? nil : rate)
            return
        }
        var caps = BandwidthCaps()
        var seen: Set<Substring> = []
        for part in parts {
            let pair = part.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard pair.count == 2, ["down", "up"].contains(pair[0]), seen.insert(pair[0]).inserted,
                let rate = TransferRate.parse(String(pair[1]))
            else { return nil }
            if pair[0] == "down" { caps.down = rate == 0 ? nil : rate } else { caps.up = rate == 0 ? nil : rate }
        }
        self = caps
    }

    /// How a usage error says what a value should have been.
    public static let expected = "give a rate such as 512K, 20M or 1G (bytes a second), off, or down=RATE,up=RATE"

    /// What a script line, a session or a hosts file says of `text` when it is not a cap.
    public static func notACap(_ text: String) -> String { "'\(text)' is not a rate: \(expected)" }

    /// These caps, or nil when neither way is capped (how reports and counts leave "no cap" out).
    public var ifAny: BandwidthCaps? { isNone ? nil : self }

    /// The cap of one way.
    public subscript(_ direction: TransferDirection) -> UInt64? {
        direction == .down ? down : up
    }

    /// These caps and `other` together: the lower of each way (no cap is no bound).
    public func lowest(with other: BandwidthCaps?) -> BandwidthCaps {
        guard let other else { return self }
        func lower(_ first: UInt64?, _ second: UInt64?) -> UInt64? {
            switch (first, second) {
            case (let first?, let second?): min(first, second)
            case (let first?, nil): first
            case (nil, let second): second
            }
        }
        return BandwidthCaps(down: lower(down, other.down), up: lower(up, other.up))
    }

    /// As a value is written back: `4M`, `down=4M,up=1M`, `down=4M`, or `off`.
    public var text: String {
        switch (down, up) {
        case (nil, nil): "off"
        case (let down?, let up?) where down == up: TransferRate.text(down)
        default:
            [down.map { "down=" + TransferRate.text($0) }, up.map { "up=" + TransferRate.text($0) }]
                .compactMap { $0 }.joined(separator: ",")
        }
    }

    /// In words for people: `4.0 MiB/s`, `4.0 MiB/s down, 1.0 MiB/s up`, `4.0 MiB/s down`, `none`.
    public var description: String {
        switch (down, up) {
        case (nil, nil): "none"
        case (let down?, let up?) where down == up: TransferRate.words(down)
        default:
            [down.map { TransferRate.words($0) + " down" }, up.map { TransferRate.words($0) + " up" }]
                .compactMap { $0 }.joined(separator: ", ")
        }
    }
}

/// Which way bytes go.
public enum TransferDirection: String, Sendable, CaseIterable {
    /// From the server (get).
    case down
    /// To the server (put).
    case up
}
