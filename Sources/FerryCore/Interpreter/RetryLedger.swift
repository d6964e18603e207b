import FerryTransfer

/// What a command that may reconnect has done so far: the files it finished, which a retry does not
/// move again, and the files a retry continued, for the report.
///
/// ``Interpreter/executeRetrying(_:reconnects:resumed:)`` makes one per command and hands it to
/// the command each time it runs; the transfer runner notes each file it finishes in it.
final class RetryLedger {
    private var finished: Set<String> = []
    /// Set once the command has reconnected.
    var retrying = false
    /// "name from byte N" for each file a retry continued.
    private(set) var resumed: [String] = []

    private static func key(_ job: TransferJob) -> String { job.remotePath + "\u{0}" + job.localPath }

    func noteFinished(_ job: TransferJob, resumedAt: UInt64?) {
        finished.insert(Self.key(job))
        if retrying, let resumedAt {
            resumed.append("\(job.isDownload ? job.remoteDisplay : job.localDisplay) from byte \(resumedAt)")
        }
    }

    func isFinished(_ job: TransferJob) -> Bool { finished.contains(Self.key(job)) }
}
