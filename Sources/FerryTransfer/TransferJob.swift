/// One file to move, fully resolved before any data moves.
package struct TransferJob: Sendable {
    /// The remote file's absolute path.
    package var remotePath: String
    /// The local file's absolute path.
    package var localPath: String
    /// How the user sees the two ends in `remote:… => local:…` lines.
    package var remoteDisplay: String
    package var localDisplay: String
    package var isDownload: Bool
    package var resume: Bool
    package var preserve: Bool
    /// The source's size, permissions and time when already known (from a listing).
    package var sourceSize: UInt64?
    package var sourcePermissions: UInt32?
    package var sourceModificationTime: UInt32?
    /// For a download whose local name came from the server: the folder it must stay inside.
    package var localRoot: String?
    /// Set when this job moves one byte range of a file split over several streams.
    package var segment: Segment?
    /// Bytes a download asks of libssh2 per read, which sets how much it keeps in flight.
    package var readSize = FileTransfer.readSize
    /// For an upload: write the target itself rather than a hidden part renamed over it at the end
    /// (`--inplace`, for servers that do not allow the rename).
    package var inPlace = false
    /// For an upload that replaces a file by rename: that file's mode, which the copy takes (see
    /// ``RemoteReplacement``).
    package var replacedMode: UInt32?
    /// For a download: keep what arrived when the connection is lost, for the retry after a
    /// reconnect (or a later `reget`) to continue; without retries it is removed like any failure.
    package var keepsPartWhenCut = false
    /// Compare the file's SHA-256 on both sides before it takes its name (`-V`, `--verify`).
    package var verify = false
    /// Give the copy the source's modification time even without `preserve` (`mirror`, so that its
    /// next run finds the file unchanged).
    package var keepsTime = false

    /// Creates a value from its parts.
    package init(
        remotePath: String, localPath: String, remoteDisplay: String, localDisplay: String, isDownload: Bool,
        resume: Bool, preserve: Bool, sourceSize: UInt64? = nil, sourcePermissions: UInt32? = nil,
        sourceModificationTime: UInt32? = nil, localRoot: String? = nil, segment: Segment? = nil,
        readSize: Int = FileTransfer.readSize, inPlace: Bool = false, replacedMode: UInt32? = nil,
        keepsPartWhenCut: Bool = false, verify: Bool = false, keepsTime: Bool = false
    ) {
        self.remotePath = remotePath
        self.localPath = localPath
        self.remoteDisplay = remoteDisplay
        self.localDisplay = localDisplay
        self.isDownload = isDownload
        self.resume = resume
        self.preserve = preserve
        self.sourceSize = sourceSize
        self.sourcePermissions = sourcePermissions
        self.sourceModificationTime = sourceModificationTime
        self.localRoot = localRoot
        self.segment = segment
        self.readSize = readSize
        self.inPlace = inPlace
        self.replacedMode = replacedMode
        self.keepsPartWhenCut = keepsPartWhenCut
        self.verify = verify
        self.keepsTime = keepsTime
    }

    /// Whether the copy gets the source's modification time.
    package var setsTime: Bool { preserve || keepsTime }

    /// One byte range of a file moved over several streams at once.
    package struct Segment: Sendable, Equatable {
        /// The bytes of the file this part moves.
        package var range: Range<UInt64>
        /// The file every part writes into at its own offsets: a download's local temporary file, an
        /// upload's hidden remote part (nil when it writes the target in place).
        package var workPath: String?
    }

    /// The line psftp prints for a finished transfer.
    package var doneLine: String {
        isDownload
            ? "remote:\(remoteDisplay) => local:\(localDisplay)" : "local:\(localDisplay) => remote:\(remoteDisplay)"
    }
}

/// What became of one job.
package struct TransferOutcome: Sendable {
    /// Bytes moved by this run (not counting what a resume skipped).
    package var bytes: UInt64 = 0
    /// Where a resumed transfer started.
    package var resumedAt: UInt64?
    /// Something worth a warning about a transfer that succeeded (a file that grew while read).
    package var warning: String?
    package var failure: CommandFailure?
    /// A download that is complete under its temporary name and still to be put in place.
    package var install: PendingInstall?

    /// Creates a value from its parts.
    package init(
        bytes: UInt64 = 0, resumedAt: UInt64? = nil, warning: String? = nil, failure: CommandFailure? = nil,
        install: PendingInstall? = nil
    ) {
        self.bytes = bytes
        self.resumedAt = resumedAt
        self.warning = warning
        self.failure = failure
        self.install = install
    }
}
