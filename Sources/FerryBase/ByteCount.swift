import Foundation

/// A number of bytes for people, as meters and reports show it: `812 B`, `4.0 MiB`, `1.2 GiB`.
public enum ByteCount {
    /// `bytes` in the largest binary unit it reaches, with one decimal; `wholeAsWhole` leaves the
    /// decimal out of a whole number under 1000 (`4 MiB`, as a cap someone typed reads).
    public static func text(_ bytes: Double, wholeAsWhole: Bool = false) -> String {
        let units = ["B", "KiB", "MiB", "GiB", "TiB"]
        var value = bytes
        var unit = 0
        while value >= 1024, unit < units.count - 1 {
            value /= 1024
            unit += 1
        }
        if unit == 0 { return "\(Int(value)) B" }
        if wholeAsWhole, value.rounded() == value, value < 1000 { return "\(Int(value)) \(units[unit])" }
        return String(format: "%.1f %@", value, units[unit])
    }
}
