import FerryBase
import FerryScript
import FerryTransport
import Foundation

extension Interpreter {
    /// `get`, `put`, `mget`, `mput`, `reget`, `reput`.
    func runTransfer(_ transfer: Transfer) throws(CommandFailure) -> CommandOutcome {
        let command = transfer.kind.rawValue
        let planner = try self.planner(command)
        let jobs = try droppingLostConnection { () throws(CommandFailure) in
            transfer.isDownload ? try planner.planDownload(transfer) : try planner.planUpload(transfer)
        }
        if jobs.isEmpty { return CommandOutcome() }
        return try execute(jobs, command: command)
    }

    /// Runs the jobs, on extra connections when there are many or when big files are split over
    /// several streams, printing each file's result in order.
    func execute(_ planned: [TransferJob], command: String) throws(CommandFailure) -> CommandOutcome {
        // After a reconnect, only what the first attempt did not finish.
        let unfinished = retryLedger.map { ledger in planned.filter { !ledger.isFinished($0) } } ?? planned
        if unfinished.isEmpty { return CommandOutcome() }
        let sftp = try sftp(command)
        var outcomes: [TransferOutcome] = []
        measureRoundTrip(for: unfinished, sftp: sftp)
        let readSize = FileTransfer.readSize(roundTrip: roundTrip)
        var jobs = unfinished.map { job in
            var job = job
            job.readSize = readSize
            job.inPlace = settings.inPlaceUploads || sessionInPlace
            job.keepsPartWhenCut = settings.retries > 0
            job.verify = job.verify || settings.verify || sessionVerify
            return job
        }
        if jobs.contains(where: { !$0.isDownload }) {
            let home = try? sftp.attributes(remoteHome)
            jobs = RemoteReplacement(files: sftp, login: (home?.uid, home?.gid)).decide(jobs)
        }
        if jobs.contains(where: \.verify) { try requireDigests(command, sftp: sftp) }
        let streams = streams(for: jobs)
        let pooled = settings.transferConnections > 1 && (jobs.count >= TransferPool.minimumJobs || streams > 1)
        // The extra connections log in while the plan prepares split files.
        if pooled, pool == nil, let connection {
            pool = TransferPool(
                connector: RecipeConnector(recipe: connection.recipe, cancellation: settings.cancellation),
                extraConnections: settings.transferConnections - 1, cancellation: settings.cancellation,
                log: settings.connect.log)
        }
        var plan = SegmentPlan(jobs, streams: streams, files: sftp, log: settings.connect.log)
        let units = plan.units
        let report: (Int, TransferOutcome) -> Void = { index, unitOutcome in
            for (job, outcome) in plan.record(index, unitOutcome) {
                self.console.endProgress()
                if let failure = outcome.failure {
                    // One line for a cancellation, at the end; a lone file's failure is the command's own.
                    if failure.failureClass != .interrupted, jobs.count > 1 {
                        self.console.report("\(command): \(failure.message)")
                    }
                } else {
                    self.retryLedger?.noteFinished(job, resumedAt: outcome.resumedAt)
                    if let start = outcome.resumedAt {
                        self.console.print("\(command): restarting at file position \(start)")
                    }
                    self.console.print(job.doneLine)
                    if let warning = outcome.warning {
                        self.console.report("warning: \(command): \(job.remoteDisplay): \(warning)")
                    }
                }
                outcomes.append(outcome)
            }
        }
        if units.count >= TransferPool.minimumJobs || plan.splitsFiles, pooled, let pool {
            pool.run(units, mainClient: sftp, buffer: buffer, console: console, report: report)
        } else {
            for (index, job) in units.enumerated() {
                let name = job.isDownload ? job.remoteDisplay : job.localDisplay
                let total = job.sourceSize
                let progress: (UInt64) -> Void = {
                    self.console.progress(TransferProgress(name: name, bytes: $0, total: total))
                }
                var outcome: TransferOutcome
                do {
                    outcome = try FileTransfer.move(
                        job, sftp: sftp, buffer: buffer, cancellation: settings.cancellation, progress: progress)
                } catch {
                    outcome = TransferOutcome(failure: error)
                }
                report(index, outcome)
                // Split files go only to the pool, so nothing here is left half-planned.
                if let failure = outcome.failure, [.connection, .interrupted].contains(failure.failureClass) {
                    break
                }
            }
        }
        let failures = outcomes.compactMap(\.failure)
        let done = CommandOutcome(
            files: outcomes.count { $0.failure == nil }, bytes: outcomes.reduce(0) { $0 + $1.bytes })
        if failures.contains(where: { $0.failureClass == .interrupted }) {
            throw CommandFailure(
                .interrupted,
                "\(command): interrupted" + (jobs.count > 1 ? " (\(done.files) of \(jobs.count) files done)" : "")
            ).having(done)
        }
        if let first = failures.first {
            if first.failureClass == .connection { forgetLostConnection() }
            if jobs.count == 1 { throw CommandFailure(first.failureClass, "\(command): \(first.message)").having(done) }
            throw CommandFailure(first.failureClass, "\(command): \(failures.count) of \(jobs.count) files failed")
                .having(done)
        }
        return done
    }

    /// Streams to split big files over: `--streams` when given; else as many as the connections when
    /// the link is slow to answer (splitting is what beats latency), and one on a fast, near link,
    /// where more streams only cost CPU (measured: a 1 GiB loopback get is 1.2x slower in 4 streams).
    func streams(for jobs: [TransferJob]) -> Int {
        if let streams = settings.streams { return min(streams, settings.transferConnections) }
        guard settings.transferConnections > 1,
            jobs.contains(where: { ($0.sourceSize ?? 0) >= 2 * SegmentPlan.minimumPart && !$0.resume })
        else { return 1 }
        let streams = (roundTrip ?? 0) >= Self.splittingRoundTrip ? settings.transferConnections : 1
        settings.connect.log("big files go in \(streams) stream(s)")
        return streams
    }

    /// Measures the connection's round trip once, before the first transfer with a file big enough
    /// for the link's length to matter (unknown size counts as big): it sets the read size and
    /// whether big files are split.
    func measureRoundTrip(for jobs: [TransferJob], sftp: SFTPClient) {
        guard roundTrip == nil, jobs.contains(where: { ($0.sourceSize ?? .max) >= Self.measuredSize }) else {
            return
        }
        // The quickest of at least two answers, so one slow answer does not decide; the requests
        // made since connecting count. One quick answer is enough to show a near link: noise only
        // ever makes an answer slower.
        for _ in 0..<2 {
            if let quickest = sftp.quickestAnswer,
                quickest.answers >= 2 || quickest.seconds < FileTransfer.nearRoundTrip
            {
                break
            }
            _ = try? sftp.attributes(remoteDirectory)
        }
        guard let best = sftp.quickestAnswer?.seconds else { return }
        roundTrip = best
        settings.connect.log(
            String(
                format: "round trip %.1f ms: reads of %d KiB", best * 1000,
                FileTransfer.readSize(roundTrip: best) / 1024))
    }

    /// Transfers with a file at least this big (bytes) measure the round trip first.
    static let measuredSize: UInt64 = 4 << 20

    /// Round trips at least this long (seconds) split big files over several streams.
    static let splittingRoundTrip = 0.005
}
