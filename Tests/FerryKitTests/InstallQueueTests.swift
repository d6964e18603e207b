import Foundation
import Synchronization
import Testing

@testable import FerryBase
@testable import FerryCore
@testable import FerryTransfer

/// Finished downloads put in place by the install queue: each under its name with its mode, a
/// failure reported for its own file only, and nothing left under a temporary name.
@Suite("Install queue")
struct InstallQueueTests {
    let folder: String

    init() throws { folder = try scratchFolder("install") }

    func pending(_ name: String, into target: String, bytes: Int) throws -> PendingInstall {
        let (file, path) = try FileTransfer.createTemporary(beside: target)
        let data = [UInt8](repeating: 7, count: bytes)
        try data.withUnsafeBytes { try file.write($0) }
        return PendingInstall(file: file, temporaryPath: path, path: target, permissions: 0o640, modificationTime: 1000)
    }

    @Test func filesFromManyThreadsAreInstalledAndAFailureStaysWithItsFile() throws {
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let queue = InstallQueue()
        defer { queue.stop() }
        let results = Mutex<[String: String]>([:])
        let finished = DispatchGroup()
        let names = (0..<40).map { "f\($0)" }
        DispatchQueue.concurrentPerform(iterations: names.count) { index in
            let name = names[index]
            // The last one is to be renamed into a folder that does not exist.
            let target = index == names.count - 1 ? folder + "/missing/\(name)" : folder + "/\(name)"
            guard let item = try? pending(name, into: folder + "/\(name)", bytes: 100 + index) else { return }
            let moved = PendingInstall(
                file: item.file, temporaryPath: item.temporaryPath, path: target, permissions: 0o640,
                modificationTime: 1000)
            finished.enter()
            queue.submit(moved) { error in
                results.withLock { $0[name] = error.map { "\($0)" } ?? "ok" }
                finished.leave()
            }
        }
        queue.flushSoon()
        #expect(finished.wait(timeout: .now() + 20) == .success)
        let seen = results.withLock { $0 }
        #expect(seen.count == names.count)
        #expect(seen.filter { $0.value == "ok" }.count == names.count - 1)
        #expect(seen[names.last ?? ""]?.contains("rename") == true, "\(seen)")
        let left = try FileManager.default.contentsOfDirectory(atPath: folder).sorted()
        #expect(left == names.dropLast().sorted(), "\(left)")
        let attributes = try FileManager.default.attributesOfItem(atPath: folder + "/f3")
        #expect((attributes[.posixPermissions] as? Int) == 0o640)
        #expect((attributes[.size] as? Int) == 103)
        #expect((attributes[.modificationDate] as? Date)?.timeIntervalSince1970 == 1000)
    }
}
