import Foundation

/// Local folders that Ferry makes for what it collects.
public enum LocalFolder {
    /// Makes `folder` and any missing parents, or fails with `message`, the folder and the reason.
    public static func make(_ folder: String, failing message: String) throws(CommandFailure) {
        do {
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        } catch {
            throw CommandFailure(.transfer, "\(message) \(folder): \(error.localizedDescription)")
        }
    }
}
