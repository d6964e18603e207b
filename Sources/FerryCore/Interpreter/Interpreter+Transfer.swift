import FerryBase
import FerryScript
import FerryTransfer
import FerryTransport
import Foundation

extension Interpreter {
    /// `get`, `put`, `mget`, `mput`, `reget`, `reput`.
    func runTransfer(_ transfer: Transfer, ledger: RetryLedger?) throws(CommandFailure) -> CommandOutcome {
        let command = transfer.kind.rawValue
        let planner = try self.planner(command)
        let jobs = try droppingLostConnection { () throws(CommandFailure) in
            transfer.isDownload ? try planner.planDownload(transfer) : try planner.planUpload(transfer)
        }
        if jobs.isEmpty { return CommandOutcome() }
        return try execute(jobs, command: command, ledger: ledger)
    }

    /// Runs the jobs, on extra connections when there are many or when big files are split over
    /// several streams, printing each file's result in order. `connections` replaces
    /// `--connections` for this command (`mirror --parallel N`). Each file finished is noted in
    /// `ledger`; files it holds already (finished before a reconnect) are not moved again.
    func execute(
        _ planned: [TransferJob], command: String, connections: Int? = nil, ledger: RetryLedger?
    ) throws(CommandFailure) -> CommandOutcome {
        let unfinished = ledger.map { ledger in planned.filter { !ledger.isFinished($0) } } ?? planned
        if unfinished.isEmpty { return CommandOutcome() }
        let sftp = try sftp(command)
        let jobs = try prepare(unfinished, command: command, sftp: sftp)
        let connections = connections ?? settings.transferConnections
        let streams = streams(for: jobs, connections: connections)
        let pooled = connections > 1 && (jobs.count >= TransferPool.minimumJobs || streams > 1)
        // The extra connections log in while the plan prepares split files.
        if pooled { openPool(extraConnections: connections - 1) }
        var plan = SegmentPlan(jobs, streams: streams, files: sftp, log: settings.connect.log)
        var outcomes: [TransferOutcome] = []
        let report: (Int, TransferOutcome) -> Void = { index, unitOutcome in
            for (job, outcome) in plan.record(index, unitOutcome) {
                self.tell(job, outcome, command: command, alone: jobs.count == 1, ledger: ledger)
                outcomes.append(outcome)
            }
        }
        let units = plan.units
        if units.count >= TransferPool.minimumJobs || plan.splitsFiles, pooled, let pool {
            pool.run(units, mainClient: sftp, buffer: buffer, display: console, report: report)
        } else {
            moveOneByOne(units, sftp: sftp, report: report)
        }
        return try conclude(outcomes, of: jobs.count, command: command)
    }

    /// The jobs as this connection and the settings move them: the read size for the link, in-place
    /// and verified transfers, the retry's part kept, and how each upload replaces what is there.
    private func prepare(_ unfinished: [TransferJob], command: String, sftp: any RemoteFileSystem)
        throws(CommandFailure)
        -> [TransferJob]
    {
        measureRoundTrip(for: unfinished, sftp: sftp)
        let readSize = FileTransfer.readSize(roundTrip: facts.roundTrip)
        var jobs = unfinished.map { job in
            var job = job
            job.readSize = readSize
            job.inPlace = settings.inPlaceUploads || facts.inPlace
            job.keepsPartWhenCut = settings.retries > 0
            job.verify = job.verify || settings.verify || facts.verify
            return job
        }
        if jobs.contains(where: { !$0.isDownload }) {
            let home = try? sftp.attributes(remoteHome)
            jobs = RemoteReplacement(files: sftp, login: (home?.uid, home?.gid)).decide(jobs)
        }
        if jobs.contains(where: \.verify) { try requireDigests(command, sftp: sftp) }
        return jobs
    }

    /// Starts the extra connections, unless they are open already in that number (a pool opened for
    /// another number gives way).
    private func openPool(extraConnections: Int) {
        if let pool, pool.extraConnections != extraConnections {
            pool.shutdown()
            self.pool = nil
        }
        guard pool == nil, let connection else { return }
        pool = TransferPool(
            connector: RecipeConnector(recipe: connection.recipe, cancellation: settings.cancellation),
            extraConnections: extraConnections, cancellation: settings.cancellation, bandwidth: bandwidth,
            log: settings.connect.log)
    }

    /// Prints one file's result: psftp's line, a resume, a warning, or (when it is not the command's
    /// only file) its failure.
    private func tell(
        _ job: TransferJob, _ outcome: TransferOutcome, command: String, alone: Bool, ledger: RetryLedger?
    ) {
        console.endProgress()
        if let failure = outcome.failure {
            // One line for a cancellation, at the end; a lone file's failure is the command's own.
            if failure.failureClass != .interrupted, !alone { console.report("\(command): \(failure.message)") }
            return
        }
        ledger?.noteFinished(job, resumedAt: outcome.resumedAt)
        if let start = outcome.resumedAt { console.print("\(command): restarting at file position \(start)") }
        console.print(job.doneLine)
        if let warning = outcome.warning { console.report("warning: \(command): \(job.remoteDisplay): \(warning)") }
    }

    /// Moves the units on the main connection, one after another, until one loses the connection or
    /// is stopped.
    private func moveOneByOne(
        _ units: [TransferJob], sftp: any RemoteFileSystem, report: (Int, TransferOutcome) -> Void
    ) {
        for (index, job) in units.enumerated() {
            let name = job.isDownload ? job.remoteDisplay : job.localDisplay
            let total = job.sourceSize
            let cap = bandwidth.caps[job.isDownload ? .down : .up]
            let progress: (UInt64) -> Void = {
                self.console.progress(TransferProgress(name: name, bytes: $0, total: total, cap: cap))
            }
            var outcome: TransferOutcome
            do {
                outcome = try FileTransfer.move(
                    job, sftp: sftp, buffer: buffer, cancellation: settings.cancellation, bandwidth: bandwidth,
                    progress: progress)
            } catch {
                outcome = TransferOutcome(failure: error)
            }
            report(index, outcome)
            // Split files go only to the pool, so nothing here is left half-planned.
            if let failure = outcome.failure, [.connection, .interrupted].contains(failure.failureClass) { break }
        }
    }

    /// The command's outcome from its files': what moved, or the failure that names how many failed.
    private func conclude(_ outcomes: [TransferOutcome], of count: Int, command: String) throws(CommandFailure)
        -> CommandOutcome
    {
        let failures = outcomes.compactMap(\.failure)
        let done = CommandOutcome(
            files: outcomes.count { $0.failure == nil }, bytes: outcomes.reduce(0) { $0 + $1.bytes })
        if failures.contains(where: { $0.failureClass == .interrupted }) {
            throw CommandFailure(
                .interrupted, "\(command): interrupted" + (count > 1 ? " (\(done.files) of \(count) files done)" : "")
            ).having(done)
        }
        guard let first = failures.first else { return done }
        if first.failureClass == .connection { forgetLostConnection() }
        if count == 1 { throw CommandFailure(first.failureClass, "\(command): \(first.message)").having(done) }
        throw CommandFailure(first.failureClass, "\(command): \(failures.count) of \(count) files failed")
            .having(done)
    }

    /// Streams to split big files over: `--streams` when given; else as many as the connections when
    /// the link is slow to answer (splitting is what beats latency), and one on a fast, near link,
    /// where more streams only cost CPU (measured: a 1 GiB loopback get is 1.2x slower in 4 streams).
    func streams(for jobs: [TransferJob], connections: Int) -> Int {
        if let streams = settings.streams { return min(streams, connections) }
        guard connections > 1,
            jobs.contains(where: { ($0.sourceSize ?? 0) >= 2 * SegmentPlan.minimumPart && !$0.resume })
        else { return 1 }
        let streams = (facts.roundTrip ?? 0) >= Self.splittingRoundTrip ? connections : 1
        settings.connect.log("big files go in \(streams) stream(s)")
        return streams
    }

    /// Measures the connection's round trip once, before the first transfer with a file big enough
    /// for the link's length to matter (unknown size counts as big): it sets the read size and
    /// whether big files are split.
    func measureRoundTrip(for jobs: [TransferJob], sftp: any RemoteFileSystem) {
        guard facts.roundTrip == nil, jobs.contains(where: { ($0.sourceSize ?? .max) >= Self.measuredSize }) else {
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
        facts.roundTrip = best
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
