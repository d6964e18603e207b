import Foundation

/// A local file descriptor with errors that name the path; closed when released.
package final class LocalFile {
    let path: String
    package private(set) var descriptor: Int32

    /// Opens `path` with POSIX `flags` and `mode`; `operation` names the step in errors.
    package init(path: String, flags: Int32, mode: mode_t = 0o600, operation: String) throws(LocalFileError) {
        self.path = path
        descriptor = open(path, flags | O_CLOEXEC, mode)
        if descriptor < 0 { throw LocalFileError(path: path, operation: operation) }
    }

    deinit { if descriptor >= 0 { Foundation.close(descriptor) } }

    /// Writes all of `bytes`.
    package func write(_ bytes: UnsafeRawBufferPointer) throws(LocalFileError) {
        guard let base = bytes.baseAddress else { return }
        var offset = 0
        while offset < bytes.count {
            let written = Foundation.write(descriptor, base + offset, bytes.count - offset)
            if written < 0 {
                if errno == EINTR { continue }
                throw LocalFileError(path: path, operation: "write")
            }
            offset += written
        }
    }

    /// Reads up to `buffer.count` bytes; 0 at end of file.
    package func read(into buffer: UnsafeMutableRawBufferPointer) throws(LocalFileError) -> Int {
        while true {
            let count = Foundation.read(descriptor, buffer.baseAddress, buffer.count)
            if count >= 0 { return count }
            if errno != EINTR { throw LocalFileError(path: path, operation: "read") }
        }
    }

    /// Reads `count` bytes at `offset` without moving the file position; fewer only at the end.
    package func readFully(at offset: UInt64, count: Int) throws(LocalFileError) -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: count)
        var done = 0
        while done < count {
            let got = bytes.withUnsafeMutableBytes { raw in
                pread(descriptor, raw.baseAddress.map { $0 + done }, count - done, off_t(offset) + off_t(done))
            }
            if got == 0 { break }
            if got < 0 {
                if errno == EINTR { continue }
                throw LocalFileError(path: path, operation: "read")
            }
            done += got
        }
        return Array(bytes.prefix(done))
    }

    /// Writes what the file holds to the disk (before it is renamed into place).
    package func synchronize() throws(LocalFileError) {
        while fsync(descriptor) != 0 {
            if errno != EINTR { throw LocalFileError(path: path, operation: "sync") }
        }
    }

    /// Writes everything waiting for the disk that holds this file, this file's data among it.
    package func synchronizeFileSystem() throws(LocalFileError) {
        guard let syncfs = Self.syncfs else { return try synchronize() }
        if syncfs(descriptor) != 0 { throw LocalFileError(path: path, operation: "sync") }
    }

    /// Linux's `syncfs`, which Swift's Glibc module does not declare; nil where the C library lacks it.
    private static let syncfs: (@convention(c) (Int32) -> Int32)? = {
        guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "syncfs") else { return nil }
        return unsafeBitCast(symbol, to: (@convention(c) (Int32) -> Int32).self)
    }()

    /// The file's status.
    package func status() throws(LocalFileError) -> stat {
        var info = stat()
        if fstat(descriptor, &info) != 0 { throw LocalFileError(path: path, operation: "stat") }
        return info
    }

    /// Moves the file position to `offset`.
    package func seek(to offset: UInt64) throws(LocalFileError) {
        if lseek(descriptor, off_t(offset), SEEK_SET) < 0 { throw LocalFileError(path: path, operation: "seek") }
    }

    /// Sets permission bits and, when given, the modification time.
    package func setAttributes(permissions: UInt32?, modificationTime: UInt32?) throws(LocalFileError) {
        if let permissions, fchmod(descriptor, mode_t(permissions & 0o7777)) != 0 {
            throw LocalFileError(path: path, operation: "chmod")
        }
        if let modificationTime {
            var times = [
                timespec(tv_sec: Int(modificationTime), tv_nsec: 0),
                timespec(tv_sec: Int(modificationTime), tv_nsec: 0),
            ]
            if futimens(descriptor, &times) != 0 { throw LocalFileError(path: path, operation: "set times") }
        }
    }

    /// Closes the file, reporting errors the kernel only reports at close (a full disk on NFS, say).
    package func close() throws(LocalFileError) {
        guard descriptor >= 0 else { return }
        let result = Foundation.close(descriptor)
        descriptor = -1
        if result != 0 { throw LocalFileError(path: path, operation: "close") }
    }

    /// The process's file-creation mask, read once.
    package static let umaskValue: mode_t = {
        let value = umask(0o022)
        umask(value)
        return value
    }()
}

/// Facts about a local path, from `stat` or `lstat`.
package struct LocalStatus {
    package var isDirectory: Bool
    package var isRegularFile: Bool
    package var isSymbolicLink: Bool
    package var size: UInt64
    package var permissions: UInt32
    package var modificationTime: UInt32

    /// The status of `path`, or nil when there is nothing there.
    package init?(_ path: String, followLinks: Bool = true) {
        var info = stat()
        guard (followLinks ? stat(path, &info) : lstat(path, &info)) == 0 else { return nil }
        let type = info.st_mode & S_IFMT
        isDirectory = type == S_IFDIR
        isRegularFile = type == S_IFREG
        isSymbolicLink = type == S_IFLNK
        size = UInt64(info.st_size)
        permissions = UInt32(info.st_mode & 0o7777)
        modificationTime = UInt32(truncatingIfNeeded: info.st_mtim.tv_sec)
    }

    /// The bytes free to an unprivileged user on the file system that holds `folder`; nil when it
    /// cannot be told.
    package static func freeSpace(in folder: String) -> UInt64? {
        var disk = statvfs()
        guard statvfs(folder.isEmpty ? "." : folder, &disk) == 0 else { return nil }
        return UInt64(disk.f_bavail) * UInt64(disk.f_frsize)
    }
}
