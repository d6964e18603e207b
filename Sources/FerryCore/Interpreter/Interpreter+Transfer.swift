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

    /// Runs the jobs, on extra connections when there are many, printing each result in order.
    func execute(_ jobs: [TransferJob], command: String) throws(CommandFailure) -> CommandOutcome {
        let sftp = try sftp(command)
        var outcomes: [TransferOutcome] = []
        let report: (Int, TransferOutcome) -> Void = { index, outcome in
            self.console.endProgress()
            let job = jobs[index]
            if let failure = outcome.failure {
                // One line for a cancellation, at the end, rather than one per file.
                if failure.failureClass != .interrupted { self.console.report("\(command): \(failure.message)") }
            } else {
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
        if jobs.count >= TransferPool.minimumJobs, settings.transferConnections > 1, let connection {
            if pool == nil {
                pool = TransferPool(
                    connector: RecipeConnector(recipe: connection.recipe, cancellation: settings.cancellation),
                    extraConnections: settings.transferConnections - 1, cancellation: settings.cancellation,
                    log: settings.connect.log)
            }
            pool?.run(jobs, mainClient: sftp, buffer: buffer, console: console, report: report)
        } else {
            for (index, job) in jobs.enumerated() {
                let name = job.isDownload ? job.remoteDisplay : job.localDisplay
                let total = job.sourceSize
                let progress: (UInt64) -> Void = {
                    self.console.progress(TransferProgress(name: name, bytes: $0, total: total))
                }
                var outcome: TransferOutcome
                do {
                    outcome =
                        job.isDownload
                        ? try FileTransfer.download(
                            job, sftp: sftp, buffer: buffer, cancellation: settings.cancellation,
                            progress: progress)
                        : try FileTransfer.upload(
                            job, sftp: sftp, buffer: buffer, cancellation: settings.cancellation,
                            progress: progress)
                } catch {
                    outcome = TransferOutcome(failure: error)
                }
                report(index, outcome)
                if let failure = outcome.failure, [.connection, .interrupted].contains(failure.failureClass) { break }
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
            if first.failureClass == .connection { dropConnection() }
            if jobs.count == 1 { throw CommandFailure(first.failureClass, "\(command): \(first.message)").having(done) }
            throw CommandFailure(first.failureClass, "\(command): \(failures.count) of \(jobs.count) files failed")
                .having(done)
        }
        return done
    }
}
