import Foundation

/// A transfer rate as users write it (rsync's and rclone's reading): bytes a second, with binary
/// suffixes `K`, `M`, `G` (`512K`, `20M`, `1.5G`); `0` or `off` is no limit.
public enum TransferRate {
    /// The bytes a second `text` names, 0 for no limit; nil when it names no rate.
    public static func parse(_ text: String) -> UInt64? {
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

    /// `rate` as it can be written back: the largest suffix that divides it (`4M`, `1536K`, `1000`).
    public static func text(_ rate: UInt64) -> String {
        for (suffix, scale) in [("G", UInt64(1) << 30), ("M", 1 << 20), ("K", 1 << 10)]
        where rate % scale == 0 {
            return "\(rate / scale)\(suffix)"
        }
        return String(rate)
    }

    /// `rate` for people: `512 KiB/s`, `4.0 MiB/s`.
    public static func words(_ rate: UInt64) -> String { ByteCount.text(Double(rate), wholeAsWhole: true) + "/s" }
}
