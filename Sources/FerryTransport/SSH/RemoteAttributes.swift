internal import CLibSSH2
import FerryBase
import Foundation

/// A remote file's attributes as SFTP reports them; absent fields are nil.
public struct RemoteAttributes: Sendable, Equatable {
    public var size: UInt64?
    public var permissions: UInt32?
    public var uid: UInt32?
    public var gid: UInt32?
    public var accessTime: UInt32?
    public var modificationTime: UInt32?

    /// Creates attributes with the given fields set.
    public init(
        size: UInt64? = nil, permissions: UInt32? = nil, uid: UInt32? = nil, gid: UInt32? = nil,
        accessTime: UInt32? = nil, modificationTime: UInt32? = nil
    ) {
        self.size = size
        self.permissions = permissions
        self.uid = uid
        self.gid = gid
        self.accessTime = accessTime
        self.modificationTime = modificationTime
    }

    init(_ raw: LIBSSH2_SFTP_ATTRIBUTES) {
        let flags = raw.flags
        size = flags & FERRY_ATTR_SIZE != 0 ? raw.filesize : nil
        permissions = flags & FERRY_ATTR_PERMISSIONS != 0 ? UInt32(truncatingIfNeeded: raw.permissions) : nil
        uid = flags & FERRY_ATTR_UIDGID != 0 ? UInt32(truncatingIfNeeded: raw.uid) : nil
        gid = flags & FERRY_ATTR_UIDGID != 0 ? UInt32(truncatingIfNeeded: raw.gid) : nil
        accessTime = flags & FERRY_ATTR_ACMODTIME != 0 ? UInt32(truncatingIfNeeded: raw.atime) : nil
        modificationTime = flags & FERRY_ATTR_ACMODTIME != 0 ? UInt32(truncatingIfNeeded: raw.mtime) : nil
    }

    var raw: LIBSSH2_SFTP_ATTRIBUTES {
        var raw = LIBSSH2_SFTP_ATTRIBUTES()
        if let size {
            raw.flags |= FERRY_ATTR_SIZE
            raw.filesize = size
        }
        if let permissions {
            raw.flags |= FERRY_ATTR_PERMISSIONS
            raw.permissions = UInt(permissions)
        }
        if let uid, let gid {
            raw.flags |= FERRY_ATTR_UIDGID
            raw.uid = UInt(uid)
            raw.gid = UInt(gid)
        }
        if let modificationTime {
            raw.flags |= FERRY_ATTR_ACMODTIME
            raw.mtime = UInt(modificationTime)
            raw.atime = UInt(accessTime ?? modificationTime)
        }
        return raw
    }

    /// The file-type bits of `permissions`.
    public var fileType: UInt32 { (permissions ?? 0) & 0o170000 }
    /// Whether this is a directory.
    public var isDirectory: Bool { fileType == 0o040000 }
    /// Whether this is a regular file.
    public var isRegularFile: Bool { fileType == 0o100000 }
    /// Whether this is a symbolic link (only `lstat` reports these).
    public var isSymbolicLink: Bool { fileType == 0o120000 }
}

/// One entry of a remote directory listing.
public struct RemoteEntry: Sendable, Equatable {
    /// The entry's name within its directory.
    public var name: String
    /// The server's `ls -l` style line, when it sent one.
    public var longName: String
    /// The entry's attributes.
    public var attributes: RemoteAttributes
}

/// A directory listing: the entries whose names passed ``RemoteName``'s checks, and those that did not.
public struct RemoteListing: Sendable, Equatable {
    /// Entries with valid names, in the server's order.
    public var entries: [RemoteEntry] = []
    /// Names the server sent that were left out, with the reason.
    public var refused: [RefusedName] = []
}
