/// One file to move, fully resolved before any data moves.
struct TransferJob: Sendable {
    /// The remote file's absolute path.
    var remotePath: String
    /// The local file's absolute path.
    var localPath: String
    /// How the user sees the two ends in `remote:… => local:…` lines.
    var remoteDisplay: String
    var localDisplay: String
    var isDownload: Bool
    var resume: Bool
    var preserve: Bool
    /// The source's size, permissions and time when already known (from a listing).
    var sourceSize: UInt64?
    var sourcePermissions: UInt32?
    var sourceModificationTime: UInt32?
    /// For a download whose local name came from the server: the folder it must stay inside.
    var localRoot: String?
    /// Set when this job moves one byte range of a file split over several streams.
    var segment: Segment?
    /// Bytes a download asks of libssh2 per read, which sets how much it keeps in flight.
    var readSize = FileTransfer.readSize
    /// For an upload: write the target itself rather than a hidden part renamed over it at the end
    /// (`--inplace`, for servers that do not allow the rename).
    var inPlace = false
    /// For an upload that replaces a file by rename: that file's mode, which the copy takes (see
    /// ``RemoteReplacement``).
    var replacedMode: UInt32?
    /// For a download: keep what arrived when the connection is lost, for the retry after a
    /// reconnect (or a later `reget`) to continue; without retries it is removed like any failure.
    var keepsPartWhenCut = false
    /// Compare the file's SHA-256 on both sides before it takes its name (`-V`, `--verify`).
    var verify = false
    /// Give the copy the source's modification time even without `preserve` (`mirror`, so that its
    /// next run finds the file unchanged).
    var keepsTime = false

    /// Whether the copy gets the source's modification time.
    var setsTime: Bool { preserve || keepsTime }

    /// One byte range of a file moved over several streams at once.
    struct Segment: Sendable, Equatable {
        /// The bytes of the file this part moves.
        var range: Range<UInt64>
        /// The file every part writes into at its own offsets: a download's local temporary file, an
        /// upload's hidden remote part (nil when it writes the target in place).
        var workPath: String?
    }

    /// The line psftp prints for a finished transfer.
    var doneLine: String {
        isDownload
            ? "remote:\(remoteDisplay) => local:\(localDisplay)" : "local:\(localDisplay) => remote:\(remoteDisplay)"
    }
}

/// What became of one job.
struct TransferOutcome: Sendable {
    /// Bytes moved by this run (not counting what a resume skipped).
    var bytes: UInt64 = 0
    /// Where a resumed transfer started.
    var resumedAt: UInt64?
    /// Something worth a warning about a transfer that succeeded (a file that grew while read).
    var warning: String?
    var failure: CommandFailure?
    /// A download that is complete under its temporary name and still to be put in place.
    var install: PendingInstall?
}
