import Foundation

/// A number of bytes for people, as meters and reports show it: `812 B`, `4.0 MiB`, `1.2 GiB`.
public enum ByteCount {
    /// `bytes` in the largest binary unit it reaches, with one decimal.
    public static func text(_ bytes: Double) -> String {
        let units = ["B", "KiB", "MiB", "GiB", "TiB"]
        var value = bytes
        var unit = 0
        while value >= 1024, unit < units.count - 1 {
            value /= 1024
            unit += 1
        }
        return unit == 0 ? "\(Int(value)) B" : String(format: "%.1f %@", value, units[unit])
    }
}
