import Foundation

/// A new, empty folder for one test under the system's temporary folder, named
/// `ferry-<name>-<random>`; the one place unit tests make their scratch folders.
func scratchFolder(_ name: String) throws -> String {
    let path = NSTemporaryDirectory() + "ferry-\(name)-\(UUID().uuidString.prefix(8))"
    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    return path
}
