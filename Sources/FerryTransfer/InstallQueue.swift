import FerryBase
import Foundation

/// A finished download still under its temporary name: what ``FileTransfer/install(_:from:at:permissions:modificationTime:)``
/// needs to put it in place.
///
/// `@unchecked Sendable`: it moves from the transfer thread that wrote the file to the thread that
/// installs it, and the first never touches it again.
package final class PendingInstall: @unchecked Sendable {
    package let file: LocalFile
    package let temporaryPath: String
    package let path: String
    package let permissions: UInt32?
    package let modificationTime: UInt32?

    package init(file: LocalFile, temporaryPath: String, path: String, permissions: UInt32?, modificationTime: UInt32?)
    {
        self.file = file
        self.temporaryPath = temporaryPath
        self.path = path
        self.permissions = permissions
        self.modificationTime = modificationTime
    }

    /// Installs the file now: its mode and time, the file written to the disk on its own, then the
    /// rename. A failure leaves the temporary file for the caller to remove or keep.
    package func perform() throws(LocalFileError) {
        try prepare()
        try file.synchronize()
        try commit()
    }

    /// Gives the file its mode (the umask's default when none is kept) and time.
    package func prepare() throws(LocalFileError) {
        try file.setAttributes(
            permissions: permissions ?? (0o666 & ~UInt32(LocalFile.umaskValue)), modificationTime: modificationTime)
    }

    /// Closes the file and renames it over its final name: once it is on the disk.
    package func commit() throws(LocalFileError) {
        try file.close()
        if rename(temporaryPath, path) != 0 { throw LocalFileError(path: path, operation: "rename") }
    }
}

/// Puts finished downloads in place for the transfer threads of one command, on a thread of its own.
///
/// Every file is on the disk before its rename. Downloads that finish within a second of each other
/// share one `syncfs` instead of one `fsync` each, since each `fsync` waits for a journal commit that
/// also holds up the other threads creating files (an mget of 2,000 files of 4 KiB took four times
/// as long with an `fsync` per file); once every job of the run has been taken, what is queued is
/// installed at once.
final class InstallQueue: @unchecked Sendable {
    private struct Item {
        let pending: PendingInstall
        let done: @Sendable (LocalFileError?) -> Void
    }

    private let condition = NSCondition()
    private var items: [Item] = []
    private var oldest = ContinuousClock.now
    private var urgent = false
    private var stopping = false
    private var running = false

    /// The longest a finished download waits for others to share its sync.
    static let gathering: Duration = .seconds(1)

    /// Queues `pending`; `done` runs on the queue's thread once the file is in place (nil) or has
    /// failed and been removed.
    func submit(_ pending: PendingInstall, done: @escaping @Sendable (LocalFileError?) -> Void) {
        condition.withLock {
            if items.isEmpty { oldest = .now }
            items.append(Item(pending: pending, done: done))
            if !running {
                running = true
                let thread = Thread { [self] in run() }
                thread.name = "ferry installer"
                thread.start()
            }
            condition.broadcast()
        }
    }

    /// Installs what is queued without waiting for more: nothing else is coming soon (every job of the
    /// run has been taken).
    func flushSoon() {
        condition.withLock {
            urgent = true
            condition.broadcast()
        }
    }

    /// Ends the thread once everything queued is done.
    func stop() {
        condition.withLock {
            stopping = true
            condition.broadcast()
        }
    }

    private func run() {
        while true {
            let batch: [Item] = condition.withLock {
                while items.isEmpty, !stopping { condition.wait() }
                let deadline = Date(
                    timeIntervalSinceNow: ContinuousClock.now.duration(to: oldest + Self.gathering).inSeconds)
                while !items.isEmpty, !urgent, !stopping, Date() < deadline { _ = condition.wait(until: deadline) }
                urgent = false
                defer { items = [] }
                return items
            }
            if batch.isEmpty { return }
            install(batch)
        }
    }

    private func install(_ batch: [Item]) {
        if batch.count == 1 {
            let item = batch[0]
            do {
                try item.pending.perform()
                item.done(nil)
            } catch {
                unlink(item.pending.temporaryPath)
                item.done(error)
            }
            return
        }
        // Mode and time first, then one sync for each file system the batch writes to.
        var failures: [Int: LocalFileError] = [:]
        var devices: [Int: UInt64] = [:]
        for (index, item) in batch.enumerated() {
            let pending = item.pending
            do {
                try pending.prepare()
                devices[index] = UInt64(try pending.file.status().st_dev)
            } catch {
                failures[index] = error
            }
        }
        var synced: [UInt64: LocalFileError?] = [:]
        for (index, device) in devices.sorted(by: { $0.key < $1.key }) where synced[device] == nil {
            do {
                try batch[index].pending.file.synchronizeFileSystem()
                synced[device] = .some(nil)
            } catch {
                synced[device] = error
            }
        }
        for (index, device) in devices {
            if case .some(.some(let error)) = synced[device] { failures[index] = error }
        }
        for (index, item) in batch.enumerated() {
            let pending = item.pending
            do throws(LocalFileError) {
                if let failure = failures[index] { throw failure }
                try pending.commit()
                item.done(nil)
            } catch {
                try? pending.file.close()
                unlink(pending.temporaryPath)
                item.done(error)
            }
        }
    }
}
