import FerryBase
import FerryScript
import FerryTransport

/// How each upload takes the place of what stands at its remote name: the rule of
/// ``LocalReplacement`` on the server's side. A hidden part renamed over the target (atomic) only when
/// the target is a regular file the login owns, in the login's own group, with one link, that it may
/// write, and then with the target's own mode (a copy made by the login is the login's, in its
/// group, so anything else would change who the file belongs to); anything else (a symbolic link, another owner, several hard links, a read-only
/// file) is written in place, as psftp writes it, so the link, the owner and the other names stay and
/// a file the login may not write is refused with the server's "permission denied". A new file gets
/// the local file's permission bits, as OpenSSH's sftp gives it.
///
/// SFTP version 3 reports no link count, so it is read from the folder listing's `ls -l` line: a
/// folder with several uploads is listed once; a single upload over a file it may replace lists the
/// folder too. A server that sends no such line counts as one link.
package struct RemoteReplacement {
    package let files: any RemoteFileSystem
    /// The login's user and group ids on the server (its home folder's owner and group), when known.
    package let login: (uid: UInt32?, gid: UInt32?)

    /// Creates a value from its parts.
    package init(
        files: any RemoteFileSystem, login: (uid: UInt32?, gid: UInt32?)
    ) {
        self.files = files
        self.login = login
    }
    /// Uploads into one folder from which its listing is read instead of one `lstat` each.
    package static let listingThreshold = 8

    /// `jobs` with each upload that is to write in place marked so (`inPlace`), and each that replaces
    /// a file by rename given that file's mode (`replacedMode`).
    package func decide(_ jobs: [TransferJob]) -> [TransferJob] {
        let deciding = jobs.indices.filter { !jobs[$0].isDownload && !jobs[$0].inPlace && !jobs[$0].resume }
        var byFolder: [String: [Int]] = [:]
        for index in deciding { byFolder[PathRules.parent(jobs[index].remotePath), default: []].append(index) }
        var decided = jobs
        for (folder, indices) in byFolder {
            var listing: [String: RemoteEntry]? =
                indices.count >= Self.listingThreshold ? entries(of: folder) : nil
            for index in indices {
                let name = PathRules.lastComponent(jobs[index].remotePath)
                let existing: RemoteAttributes?
                if let listing {
                    existing = listing[name]?.attributes
                } else {
                    existing = try? files.attributes(jobs[index].remotePath, followLinks: false)
                }
                guard let existing else { continue }
                if existing.isSymbolicLink {
                    decided[index].inPlace = true
                    continue
                }
                guard existing.isRegularFile else { continue }
                let mine = login.uid != nil && existing.uid == login.uid
                let ourGroup = login.gid == nil || existing.gid == login.gid
                let writable = (existing.permissions ?? 0) & 0o200 != 0
                guard mine, ourGroup, writable else {
                    decided[index].inPlace = true
                    continue
                }
                if listing == nil { listing = entries(of: folder) }
                if let line = listing?[name]?.longName, Self.linkCount(inLongName: line).map({ $0 > 1 }) == true {
                    decided[index].inPlace = true
                    continue
                }
                decided[index].replacedMode = (existing.permissions ?? 0o644) & 0o7777
            }
        }
        return decided
    }

    private func entries(of folder: String) -> [String: RemoteEntry] {
        guard let listing = try? files.list(folder) else { return [:] }
        return Dictionary(listing.entries.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
    }

    /// The link count in an `ls -l` line (`-rw-r--r--    2 alice staff …`), if it has one.
    package static func linkCount(inLongName line: String) -> Int? {
        let fields = line.split(separator: " ", omittingEmptySubsequences: true)
        guard fields.count > 2, fields[0].count >= 10 else { return nil }
        return Int(fields[1])
    }
}
