import FerryBase
import Foundation

/// How a download takes the place of what stands at its local name, by the rule text editors use
/// when they save (Vim's `backupcopy=auto`): replace the file by renaming a finished copy over it
/// only when that changes nothing about the file but its content, else write into it as psftp does.
///
/// - Nothing there: a new file, written under a hidden part (mode 0600 while it fills) and renamed
///   into place with the remote file's permission bits less the umask (never set-id bits).
/// - A regular file this user owns, with one link, that this user may write: renamed over, the copy
///   given the existing file's mode, owner and group first.
/// - Anything else (a symbolic link, another owner, several hard links, no write permission): written
///   in place, so the link, the owner and the other names stay, and a file this user may not write
///   is refused as psftp refuses it.
///
/// With `-p` the file gets the remote mode (masked to 0777) whichever way it is written.
struct LocalReplacement: Equatable, Sendable {
    enum Way: Equatable, Sendable {
        /// Written under a hidden part and renamed over the name.
        case rename
        /// Written into the file at the name (through a link when it is one).
        case inPlace
    }

    var way: Way
    /// The mode the finished file gets; nil leaves the mode the file has (written in place).
    var mode: UInt32?
    /// The owner and group a renamed copy takes from the file it replaces.
    var owner: (uid: uid_t, gid: gid_t)?

    static func == (a: Self, b: Self) -> Bool {
        a.way == b.way && a.mode == b.mode && a.owner?.uid == b.owner?.uid && a.owner?.gid == b.owner?.gid
    }

    /// The way for a download to `path` of a remote file with `remoteMode` (nil: unknown).
    init(for path: String, remoteMode: UInt32?, preserve: Bool) {
        let preserved = preserve ? remoteMode.map(ServerMode.local) : nil
        var info = stat()
        guard lstat(path, &info) == 0 else {
            way = .rename
            mode = preserved ?? Self.newFileMode(remoteMode: remoteMode)
            return
        }
        switch info.st_mode & S_IFMT {
        case S_IFREG where info.st_uid == geteuid() && info.st_nlink == 1 && access(path, W_OK) == 0:
            way = .rename
            mode = preserved ?? UInt32(info.st_mode & 0o7777)
            owner = (info.st_uid, info.st_gid)
        case S_IFREG, S_IFLNK:
            way = .inPlace
            mode = preserved
        default:
            // A folder or a device: the rename fails and says why.
            way = .rename
            mode = preserved ?? Self.newFileMode(remoteMode: remoteMode)
        }
    }

    /// A new file's mode: the remote permission bits (0666 when the server gave none), less the umask.
    static func newFileMode(remoteMode: UInt32?) -> UInt32 {
        (remoteMode.map { $0 & 0o777 } ?? 0o666) & ~UInt32(LocalFile.umaskValue)
    }
}
