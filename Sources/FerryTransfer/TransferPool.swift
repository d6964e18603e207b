import FerryBase
import FerryTransport
import Foundation

/// Extra connections to the same host that move many files at once.
///
/// SFTP answers one request at a time per file, so fetching thousands of small files one after another is
/// dominated by round trips. The pool keeps a few more connections, each owned by its own thread (libssh2
/// blocks, and a session belongs to one thread), and they take files from a shared board while the main
/// connection takes them too. Results are reported in the order the files were listed.
package final class TransferPool {
    /// Below this many files the extra connections are not worth starting.
    package static let minimumJobs = 8

    private let board = JobBoard()
    private var threads: [Thread] = []
    private var wakeKey = 0
    /// The extra connections asked for (fewer may be open: see `--max-sessions`).
    package let extraConnections: Int

    /// Starts `extraConnections` threads that connect with `connector`; `cancellation` stops their
    /// transfers (and, through the connector, cuts their connections).
    package init(
        connector: any TransferConnector, extraConnections: Int, cancellation: Cancellation,
        bandwidth: HostBandwidth? = nil, log: (String) -> Void
    ) {
        self.extraConnections = extraConnections
        board.cancellation = cancellation
        board.bandwidth = bandwidth
        let board = self.board
        wakeKey = cancellation.onCancel { board.wake() }
        let slots = SessionGate.shared.acquireFree(upTo: extraConnections)
        if slots.count < extraConnections {
            log(
                "\(extraConnections - slots.count) extra connection(s) not opened: --max-sessions"
                    + " (\(SessionGate.shared.limit)) are open")
        }
        log("opening \(slots.count) extra connection(s) for parallel transfers")
        for (number, slot) in slots.enumerated() {
            let thread = Thread { TransferPool.work(connector: connector, slot: slot, board: board) }
            thread.name = "ferry-transfer-\(number + 1)"
            thread.stackSize = 1 << 20
            board.workerStarted()
            thread.start()
            threads.append(thread)
        }
    }

    private static func work(connector: any TransferConnector, slot: SessionGate.Slot, board: JobBoard) {
        // Every libssh2 handle must be freed before the board hears that this worker ended: after that
        // the process may exit, and OpenSSL's exit handlers would pull locks from under a late free.
        let error = serve(connector: connector, slot: slot, board: board)
        slot.release()
        board.workerEnded(error: error)
    }

    /// Connects and takes jobs until the board closes; returns why it stopped early, if it did.
    private static func serve(connector: any TransferConnector, slot: SessionGate.Slot, board: JobBoard) -> String? {
        let connection: TransferConnection
        do {
            connection = try connector.open(slot: slot)
        } catch {
            return "extra connection failed: \(error)"
        }
        defer { connection.close() }
        let sftp = connection.files
        let buffer = FileTransfer.Buffer()
        while let (index, job) = board.take(waiting: true) {
            let outcome = TransferPool.perform(job, sftp: sftp, buffer: buffer, board: board)
            if outcome.failure?.failureClass == .connection {
                board.giveBack(index)
                return "extra connection lost: \(outcome.failure?.message ?? "")"
            }
            board.finish(index, outcome)
        }
        return nil
    }

    /// Moves one job, adding its bytes to the board's count as they go; `moved` (the main thread's)
    /// hears of each step, so the meter moves while the main connection is busy too.
    static func perform(
        _ job: TransferJob, sftp: any RemoteFileSystem, buffer: FileTransfer.Buffer, board: JobBoard,
        moved: (() -> Void)? = nil
    )
        -> TransferOutcome
    {
        var last: UInt64 = 0
        let progress: (UInt64) -> Void = { done in
            board.addBytes(done - last)
            last = done
            moved?()
        }
        do {
            return try FileTransfer.move(
                job, sftp: sftp, buffer: buffer, cancellation: board.cancellation, bandwidth: board.bandwidth,
                installLater: true, progress: progress)
        } catch {
            return TransferOutcome(failure: error)
        }
    }

    /// Runs `jobs` on the pool and on `mainClient`; `report` is called on this thread, in job order.
    package func run(
        _ jobs: [TransferJob], mainClient: any RemoteFileSystem, buffer: FileTransfer.Buffer,
        display: any TransferDisplay,
        report: (Int, TransferOutcome) -> Void
    ) {
        let installer = InstallQueue()
        defer { installer.stop() }
        board.load(jobs, installer: installer)
        let total = jobs.reduce(UInt64(0)) {
            $0 + ($1.segment.map { $0.range.upperBound - $0.range.lowerBound } ?? $1.sourceSize ?? 0)
        }
        var reported = 0
        var mainAlive = true
        let cap = jobs.first.flatMap { board.bandwidth?.caps[$0.isDownload ? .down : .up] }
        let jobBoard = board
        let show = {
            display.progress(
                TransferProgress(
                    name: "\(reported)/\(jobs.count) files", bytes: jobBoard.bytes, total: total, cap: cap))
        }
        while reported < jobs.count {
            if board.cancellation.isCancelled {
                board.abandon(CommandFailure.interrupted("not transferred"))
            }
            if mainAlive, let (index, job) = board.take(waiting: false) {
                let outcome = TransferPool.perform(job, sftp: mainClient, buffer: buffer, board: board, moved: show)
                board.finish(index, outcome)
                if outcome.failure?.failureClass == .connection {
                    mainAlive = false
                    board.abandon(
                        CommandFailure(.connection, outcome.failure?.message ?? "connection lost"))
                }
            } else {
                installer.flushSoon()
                if !mainAlive || board.liveWorkers == 0 { board.abandonIfStuck(mainAlive: mainAlive) }
                board.waitForOutcome(after: reported)
            }
            while let outcome = board.outcome(reported) {
                report(reported, outcome)
                reported += 1
            }
            if reported < jobs.count { show() }
        }
        display.endProgress()
        for message in board.takeWorkerErrors() { display.report("warning: \(message)") }
    }

    /// Stops the threads and waits (a few seconds at most) until they have closed their connections,
    /// so that no libssh2 call is still running when the process exits.
    package func shutdown() {
        board.cancellation.removeHandler(wakeKey)
        board.close()
        board.waitForWorkersToEnd(timeout: 5)
    }
}

/// The shared list of jobs and outcomes, guarded by one condition variable.
final class JobBoard: @unchecked Sendable {
    private let condition = NSCondition()
    private var jobs: [TransferJob] = []
    private var next = 0
    private var retry: [Int] = []
    private var outcomes: [Int: TransferOutcome] = [:]
    private var closing = false
    private var workerErrors: [String] = []
    private var running = 0
    private(set) var bytes: UInt64 = 0
    private(set) var liveWorkers = 0
    /// Set once, before any worker starts.
    fileprivate(set) var cancellation = Cancellation()
    /// The host's caps, if any; set once, before any worker starts.
    fileprivate(set) var bandwidth: HostBandwidth?

    private func locked<T>(_ body: () -> T) -> T {
        condition.lock()
        defer { condition.unlock() }
        return body()
    }

    func load(_ jobs: [TransferJob], installer: InstallQueue?) {
        locked {
            self.installer = installer
            self.jobs = jobs
            next = 0
            retry = []
            outcomes = [:]
            bytes = 0
            condition.broadcast()
        }
    }

    func workerStarted() { locked { liveWorkers += 1 } }

    func workerEnded(error: String?) {
        locked {
            liveWorkers -= 1
            if let error { workerErrors.append(error) }
            condition.broadcast()
        }
    }

    func takeWorkerErrors() -> [String] {
        locked {
            defer { workerErrors = [] }
            return workerErrors
        }
    }

    /// The next job; with `waiting`, blocks until there is one or the board closes (then nil).
    func take(waiting: Bool) -> (Int, TransferJob)? {
        condition.lock()
        defer { condition.unlock() }
        while true {
            if closing { return nil }
            if let index = retry.popLast() {
                running += 1
                return (index, jobs[index])
            }
            if next < jobs.count {
                next += 1
                running += 1
                return (next - 1, jobs[next - 1])
            }
            if !waiting { return nil }
            condition.wait()
        }
    }

    func giveBack(_ index: Int) {
        locked {
            running -= 1
            retry.append(index)
            condition.broadcast()
        }
    }

    /// Where finished downloads are put in place during a run.
    private var installer: InstallQueue?

    /// Posts `outcome`, once the download it reports is in place when it still has to be.
    func finish(_ index: Int, _ outcome: TransferOutcome) {
        guard let pending = outcome.install, let installer = locked({ installer }) else {
            post(index, outcome)
            return
        }
        installer.submit(pending) { [self] error in
            var done = outcome
            done.install = nil
            if let error { done.failure = CommandFailure(.transfer, error.description) }
            post(index, done)
        }
    }

    func post(_ index: Int, _ outcome: TransferOutcome) {
        locked {
            running -= 1
            outcomes[index] = outcome
            condition.broadcast()
        }
    }

    func addBytes(_ count: UInt64) { locked { bytes += count } }

    func outcome(_ index: Int) -> TransferOutcome? { locked { outcomes[index] } }

    /// Waits briefly for the outcome at `index` (or any change), so progress can be redrawn.
    func waitForOutcome(after index: Int) {
        condition.lock()
        if outcomes[index] == nil { _ = condition.wait(until: Date(timeIntervalSinceNow: 0.2)) }
        condition.unlock()
    }

    /// Marks every job nobody has taken as failed with `failure`'s class and message.
    func abandon(_ failure: CommandFailure) {
        locked {
            let fail = { (index: Int) in
                self.outcomes[index] = TransferOutcome(
                    failure: CommandFailure(
                        failure.failureClass, "\(self.jobs[index].remotePath): \(failure.message)"))
            }
            while let index = retry.popLast() { fail(index) }
            while next < jobs.count {
                fail(next)
                next += 1
            }
            condition.broadcast()
        }
    }

    /// When nobody is left to take jobs, fails the ones still waiting so the run can end.
    func abandonIfStuck(mainAlive: Bool) {
        let stuck = locked { liveWorkers == 0 && !mainAlive && running == 0 }
        if stuck { abandon(CommandFailure(.connection, "connection lost; not transferred")) }
    }

    func waitForWorkersToEnd(timeout: TimeInterval) {
        let deadline = Date(timeIntervalSinceNow: timeout)
        condition.lock()
        while liveWorkers > 0, condition.wait(until: deadline) {}
        condition.unlock()
    }

    /// Wakes whoever waits on the board, to look at the cancellation.
    func wake() { locked { condition.broadcast() } }

    func close() {
        locked {
            closing = true
            condition.broadcast()
        }
    }
}
