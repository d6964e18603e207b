import Foundation

/// The bytes one host's transfers have moved so far, for the live count of a run over many hosts:
/// written by the host's thread, read by the supervising one.
final class HostMeter: @unchecked Sendable {
    private let lock = NSLock()
    private var perFile: [String: UInt64] = [:]

    /// Notes that the transfer called `name` has moved `bytes` so far.
    func record(_ name: String, bytes: UInt64) {
        lock.withLock { perFile[name] = max(perFile[name] ?? 0, bytes) }
    }

    /// Bytes moved by every transfer so far.
    var bytes: UInt64 { lock.withLock { perFile.values.reduce(0, +) } }
}
