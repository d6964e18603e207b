import FerryBase
import FerryCore
import FerryScript
import FerrySessions
import FerryTransfer
import FerryTransport
import Foundation

/// One host ready to run: its name in folders and reports, and how to reach it.
public struct FleetHost {
    /// The session name, or `host[:port]`.
    public var label: String
    /// Group tags from the hosts file.
    public var tags: [String]
    /// The resolved session: where to connect, how, and the start directories.
    public var session: ResolvedSession
    /// The host as it was named (a session, or `[user@]host[:port]`); the report keeps it for `--rerun`.
    public var target: String?
    /// Makes the settings of a host from its session; one for all the hosts of a run.
    private let makeSettings: (ResolvedSession) -> InterpreterSettings

    /// Creates a host whose settings `makeSettings` makes from its session when it starts, so a
    /// long hosts file holds one session per host and not their settings too.
    public init(
        label: String, tags: [String], session: ResolvedSession,
        makeSettings: @escaping (ResolvedSession) -> InterpreterSettings
    ) {
        self.label = label
        self.tags = tags
        self.session = session
        self.makeSettings = makeSettings
    }

    /// Connection settings; the fleet adds its own cancellation, label and run folder.
    public var settings: InterpreterSettings { makeSettings(session) }
}

/// How a run over many hosts behaves.
public struct FleetOptions: Sendable {
    /// Hosts connected and running at once.
    public var parallel = 32
    /// Seconds each host may take, connection included; a host past it is cut off.
    public var hostTimeout: Int?
    /// Wave sizes (`--waves`): each wave starts once the one before has ended; the last size repeats.
    /// Empty: every host in one wave.
    public var waves: [HostShare] = []
    /// The failure budget (`--max-fail`; `--fail-fast` is 0): once more hosts than this have failed,
    /// no more start, and barriers hold. Nil: hosts keep starting, and barriers allow no failure.
    public var maxFail: HostShare?
    /// Where `--events` go, for the run's own events (`wave-start`); each host has its own too.
    public var events: EventLog?
    /// The shard of a larger run this run is (`--shard`): its report goes in
    /// `<diagnostics>/<run id>/shard-K-of-N/`, replacing an earlier attempt's as a whole.
    public var shard: RunReport.ShardRecord?
    /// Pass each output line on as it comes (prefixed by its host), rather than only at the end.
    public var stream = false
    /// `-bc` and `-be`, for each host's script.
    public var batch = BatchOptions()
    /// Bytes of each host's output kept for the summary and `--json`.
    public var outputLimit = 1 << 20
    /// Whether the results returned at the end keep each host's output (for `--gather` and `--json`);
    /// otherwise it is dropped once the observer has seen it, so memory does not grow with the hosts.
    public var keepsOutput = true
    /// The report of an earlier run whose failed hosts this run runs again (`--rerun`).
    public var continues: String?
    /// A check (`--check`): nothing is written, not even the report.
    public var checkOnly = false
    /// The cap on the whole run's transfers (`--bwlimit`), for the report and the live count; the
    /// hosts' settings carry the budget itself.
    public var bandwidth = BandwidthCaps.none

    /// Creates the default options.
    public init() {}
}

/// How one host's run ended.
public struct HostResult: Sendable {
    /// How the host's run ended, as the report spells it.
    public typealias Status = HostStatus

    /// The host's name.
    public var label: String
    /// Group tags from the hosts file.
    public var tags: [String]
    /// How it ended.
    public var status: Status
    /// The host's own exit status, as a single-host run would have returned it.
    public var exitStatus: Int32
    /// Why the host failed, as a code (nil when it succeeded).
    public var reason: FailureReason?
    /// The command that failed, as `line N: command`, or `connect`.
    public var failedCommand: String?
    /// Why it failed, in one line.
    public var message: String?
    /// Seconds from start to end.
    public var duration: Double
    /// What the host's commands printed, stdout and stderr in order, up to the output limit.
    public var output: String
    /// The part of `output` that remote commands printed, and failures, without Ferry's notices.
    public var essentials: String
    /// Every command the host ran.
    public var records: [CommandRecord]
    /// The wave the host ran in (or would have), from 1, in a run with `--waves`.
    public var wave: Int?
    /// The host's own cap (`--bwlimit-host`, its session's or hosts file line's `bwlimit-host`).
    public var bandwidth: BandwidthCaps?

    /// Whether the host counts against the failure budget: it ran and did not end ok (a host held
    /// at a barrier or not run did not fail itself).
    public var countsAsFailed: Bool { ![.ok, .held, .notRun].contains(status) }

    /// The host's entry in the fleet report.
    public func reportEntry(withOutput: Bool) -> RunReport.Host {
        var entry = RunReport.Host(host: label, status: status, commands: records)
        entry.tags = tags.isEmpty ? nil : tags
        entry.durationSeconds = (duration * 1000).rounded() / 1000
        entry.failedCommand = failedCommand
        entry.message = message
        entry.exitStatus = [.notRun, .held].contains(status) ? nil : Int(exitStatus)
        entry.reason = reason
        entry.wave = wave
        entry.bwlimit = bandwidth
        if withOutput { entry.output = output }
        return entry
    }
}

/// Counts of hosts by state, for a live summary.
public struct FleetCounts: Sendable, Equatable {
    /// Hosts in the run.
    public var total = 0
    /// Hosts that have finished (or will not start).
    public var done = 0
    /// Finished hosts that did not succeed.
    public var failed = 0
    /// Hosts connected or connecting now.
    public var running = 0
    /// Bytes the hosts' transfers have moved so far.
    public var bytes: UInt64 = 0
    /// The hosts that have been running longest (at least 5 s), longest first, at most three.
    public var slowest: [SlowHost] = []
    /// The wave running now and the number of waves, in a run with `--waves`.
    public var wave: Int?
    public var waves: Int?
    /// The cap on the whole run's transfers (`--bwlimit`), if any.
    public var cap: BandwidthCaps?

    /// A host still running, and for how long.
    public struct SlowHost: Sendable, Equatable {
        public var label: String
        public var seconds: Int
    }
}

/// Hears about a run over many hosts as it goes.
///
/// ``line(_:from:isError:)`` is called from the hosts' threads, at any time, only when streaming;
/// the other methods from the thread that called ``Fleet/run(_:)``.
public protocol FleetObserver: AnyObject, Sendable {
    /// One line a host printed.
    func line(_ text: String, from host: String, isError: Bool)
    /// A host has finished.
    func finished(_ result: HostResult, counts: FleetCounts)
    /// A few times a second while hosts run.
    func progress(_ counts: FleetCounts)
}

/// Runs one script against many hosts, each on its own connection and thread, at most
/// ``FleetOptions/parallel`` at once.
///
/// libssh2 calls block, so each host gets a thread of its own (never Swift's cooperative pool). A host
/// that fails, hangs past its time limit or loses its connection ends alone: its thread is cut off by
/// shutting its sockets down, and the others go on.
public final class Fleet {
    let hosts: [FleetHost]
    let options: FleetOptions
    let observer: any FleetObserver
    /// Raised by Ctrl-C: running hosts stop their commands, and no more start.
    let cancellation: Cancellation
    /// The run's diagnostics folder, shared by all hosts (each has a subfolder). A shard works in a
    /// hidden folder beside its final one and takes the final name when its report is written.
    public let runFolder: String
    /// Where a shard's folder goes in the end (`<diagnostics>/<run id>/shard-K-of-N`).
    let shardFolder: String?

    /// Prepares a run; nothing connects until ``run(_:)``.
    public init(
        hosts: [FleetHost], options: FleetOptions, cancellation: Cancellation, observer: any FleetObserver,
        diagnosticsRoot: String
    ) {
        self.hosts = hosts
        self.options = options
        self.cancellation = cancellation
        self.observer = observer
        if let shard = options.shard {
            let parent = diagnosticsRoot + "/" + shard.runID
            let name = shard.folderName
            shardFolder = parent + "/" + name
            runFolder = parent + "/.\(name).partial-" + String(UInt32.random(in: 0...UInt32.max), radix: 36)
        } else {
            shardFolder = nil
            runFolder = Interpreter.newRunFolder(in: diagnosticsRoot)
        }
    }

    /// Runs `script` on every host and returns their results in the order the hosts were given.
    ///
    /// ``FleetSchedule`` decides which host starts, stops or is skipped when; this loop tells it what
    /// happened and carries out its answers.
    public func run(_ script: Script) -> [HostResult] {
        let board = FleetBoard()
        let wakeKey = cancellation.onCancel { board.wake() }
        defer { cancellation.removeHandler(wakeKey) }
        var schedule = FleetSchedule(total: hosts.count, options: options)
        // A check only says where each host would wait.
        let barriers = script.hasBarriers ? FleetBarriers(schedule: schedule, budget: schedule.budget ?? 0) : nil
        var results: [HostResult?] = Array(repeating: nil, count: hosts.count)
        var running: [Int: HostRun] = [:]
        var finishedBytes: UInt64 = 0
        func counts(at now: Date = Date()) -> FleetCounts {
            var counts = FleetCounts(total: hosts.count)
            (counts.done, counts.failed, counts.running) = (schedule.done, schedule.failed, schedule.running.count)
            counts.bytes = finishedBytes + running.values.reduce(0) { $0 + $1.meter.bytes }
            counts.cap = options.bandwidth.ifAny
            counts.slowest = schedule.slowest(at: now).map {
                FleetCounts.SlowHost(label: hosts[$0.index].label, seconds: $0.seconds)
            }
            if schedule.hasWaves { (counts.wave, counts.waves) = (schedule.wave.map { $0 + 1 }, schedule.waveCount) }
            return counts
        }
        func perform(_ actions: [FleetSchedule.Action]) {
            for action in actions {
                switch action {
                case .startWave(let number): announce(wave: number, of: schedule)
                case .launch(let index):
                    running[index] = launch(
                        index, script: script, board: board, wave: schedule.wave(of: index),
                        barrier: barriers?.gate(for: index))
                case .interrupt(let index): running[index]?.cancellation.interrupt()
                case .cut(let index): running[index]?.cancellation.cut()
                case .skip(let index, let reason):
                    barriers?.hostEnded(index, failed: false)
                    var result = notRun(hosts[index], reason: reason)
                    result.wave = schedule.wave(of: index)
                    results[index] = result
                    observer.finished(result, counts: counts())
                }
            }
        }
        while !schedule.isFinished {
            perform(schedule.handle(cancellation.isCancelled ? .interrupted : .tick, at: Date()))
            observer.progress(counts())
            for (index, finished) in board.waitForFinished(timeout: 0.2) {
                var result = finished
                finishedBytes += running.removeValue(forKey: index)?.meter.bytes ?? 0
                barriers?.hostEnded(index, failed: result.countsAsFailed)
                let next = schedule.handle(.finished(index, failed: result.countsAsFailed), at: Date())
                observer.finished(result, counts: counts())
                if !options.keepsOutput {
                    result.output = ""
                    result.essentials = ""
                }
                results[index] = result
                perform(next)
            }
            for run in running.values { run.cancellation.cutIfOverdue() }
        }
        return results.enumerated().map { $0.element ?? notRun(hosts[$0.offset], reason: .interrupted) }
    }

    private func notRun(_ host: FleetHost, reason: FleetSchedule.SkipReason) -> HostResult {
        HostResult(
            label: host.label, tags: host.tags, status: .notRun, exitStatus: 0,
            reason: reason == .interrupted ? .notRun : .failureBudget, failedCommand: nil, message: reason.message,
            duration: 0, output: "", essentials: "", records: [])
    }

    /// Says that wave `number` starts, in the events.
    private func announce(wave number: Int, of schedule: FleetSchedule) {
        guard let events = options.events else { return }
        var event = FerryEvent(.waveStart)
        (event.wave, event.waves, event.hosts) = (number, schedule.waveCount, schedule.hosts(inWave: number).count)
        events.emit(event)
    }

    private func launch(
        _ index: Int, script: Script, board: FleetBoard, wave: Int?, barrier: (any BarrierGate)?
    ) -> HostRun {
        var settings = hosts[index].settings
        settings.hostLabel = hosts[index].label
        settings.runFolder = runFolder
        settings.writesReport = false
        settings.announcesRemoteDirectory = false
        settings.barrier = barrier
        let run = HostRun(
            index: index, host: hosts[index], settings: settings, script: script, options: options,
            observer: observer, board: board)
        run.wave = wave
        let thread = Thread { run.work() }
        thread.name = "ferry-host-\(index + 1)"
        thread.stackSize = 1 << 20
        thread.start()
        return run
    }
}

/// Finished hosts, handed from their threads to the supervising one.
final class FleetBoard: @unchecked Sendable {
    private let condition = NSCondition()
    private var finished: [(Int, HostResult)] = []

    func post(_ index: Int, _ result: HostResult) {
        condition.lock()
        finished.append((index, result))
        condition.signal()
        condition.unlock()
    }

    /// Ends a wait early, to look at a cancellation.
    func wake() {
        condition.lock()
        condition.signal()
        condition.unlock()
    }

    /// The hosts that finished since the last call, waiting up to `timeout` seconds for one.
    func waitForFinished(timeout: TimeInterval) -> [(Int, HostResult)] {
        condition.lock()
        defer { condition.unlock() }
        if finished.isEmpty { _ = condition.wait(until: Date(timeIntervalSinceNow: timeout)) }
        defer { finished = [] }
        return finished
    }
}

/// One host's run on its own thread.
///
/// Unchecked Sendable: the settings, script and interpreter are used only by the host's thread once it
/// starts; the supervising thread touches only the cancellation (Sendable) and `started`,
/// which is set before the thread starts.
final class HostRun: @unchecked Sendable {
    let index: Int
    let host: FleetHost
    var settings: InterpreterSettings
    let script: Script
    let options: FleetOptions
    let observer: any FleetObserver
    let board: FleetBoard
    /// Stops this host: interrupted with the run, cut when past its time limit.
    let cancellation = Cancellation()
    /// When the host was launched; its time limit and duration count from its connection slot.
    let started = Date()
    /// What the host's transfers have moved, for the live count.
    let meter = HostMeter()
    /// The wave it runs in, from 1, when the run has waves; set before the thread starts.
    var wave: Int?

    init(
        index: Int, host: FleetHost, settings: InterpreterSettings, script: Script, options: FleetOptions,
        observer: any FleetObserver, board: FleetBoard
    ) {
        self.index = index
        self.host = host
        self.settings = settings
        self.script = script
        self.options = options
        self.observer = observer
        self.board = board
        self.settings.cancellation = cancellation
        self.settings.connect.cancellation = cancellation
        // The limit counts from the host's connection slot: waiting for one (--max-sessions) is free.
        if let limit = options.hostTimeout { cancellation.setDeadline(startingLater: Double(limit)) }
        // -v lines from many hosts interleave: each says whose it is.
        let log = settings.connect.log
        let label = host.label
        self.settings.connect.log = { log("\(label): \($0)") }
    }

    /// How the host's run came out, as it is worked out at its end.
    struct Ending {
        var status: Int32 = 0
        var outcome: HostResult.Status = .ok
        var failedCommand: String?
        var message: String?
        var reason: FailureReason?
    }

    func work() {
        var start = FerryEvent(.hostStart, host: host.label)
        start.wave = wave
        settings.events?.emit(start)
        let console = HostConsole(
            label: host.label, observer: observer, streams: options.stream, limit: options.outputLimit)
        console.meter = meter
        let interpreter = Interpreter(settings: settings, console: console)
        var ending = Ending()
        do {
            try interpreter.connectInitialTarget()
            try interpreter.enterStartDirectories(host.session)
            ending.status = interpreter.run(script, options: options.batch)
            if let failed = interpreter.firstCountedFailure {
                ending.failedCommand = Self.lineAndCommand(failed)
                (ending.message, ending.reason) = (failed.message, failed.reason)
            }
        } catch {
            console.report(error.message)
            ending.status = error.failureClass.exitStatus
            ending.failedCommand = "connect"
            (ending.message, ending.reason) = (error.message, error.reason)
        }
        interpreter.disconnect()
        console.flush()
        classify(&ending, heldAt: interpreter.records.last { $0.status == .held })
        if let events = settings.events {
            var event = FerryEvent(.hostEnd, host: host.label)
            (event.status, event.exitStatus, event.message) = (
                .host(ending.outcome), Int(ending.status), ending.message
            )
            (event.reason, event.wave) = (ending.reason, wave)
            events.emit(event)
        }
        board.post(
            index,
            HostResult(
                label: host.label, tags: host.tags, status: ending.outcome, exitStatus: ending.status,
                reason: ending.reason, failedCommand: ending.failedCommand, message: ending.message,
                duration: Date().timeIntervalSince(cancellation.clockStarted ?? started),
                output: console.output,
                essentials: console.essentials, records: interpreter.records, wave: wave,
                bandwidth: settings.bandwidth?.configuredCaps.ifAny))
    }

    /// Where a command stood, as the report names a failed command: `line 3: get …`.
    static func lineAndCommand(_ record: CommandRecord) -> String {
        record.line.map { "line \($0): \(record.command)" } ?? record.command
    }

    /// Names how the host ended from its exit status, what stopped it and the barrier that held it.
    private func classify(_ ending: inout Ending, heldAt barrier: CommandRecord?) {
        ending.outcome = ending.status == 0 ? .ok : .failed
        if let barrier {
            // A barrier held it: not a failure of its own, and nothing after the barrier ran.
            ending.outcome = .held
            ending.failedCommand = Self.lineAndCommand(barrier)
            (ending.message, ending.reason) = ("held: \(barrier.message ?? "")", .failureBudget)
        } else if ending.status == 0 {
            // Its commands all succeeded: it finished in time, even if a limit or a stop came as it
            // was disconnecting.
            ending.reason = nil
        } else if cancellation.timedOut {
            // A time limit is the connection class (6), not Ctrl-C's.
            ending.outcome = .timedOut
            ending.message =
                "did not finish within \(options.hostTimeout ?? 0) s" + (ending.message.map { " (\($0))" } ?? "")
            (ending.status, ending.reason) = (FailureClass.connection.exitStatus, .hostTimeout)
        } else if ending.status == FailureClass.interrupted.exitStatus || cancellation.isCut {
            (ending.outcome, ending.reason) = (.interrupted, .interrupted)
        } else if ending.reason == nil {
            ending.reason = FailureClass(rawValue: ending.status).map(FailureReason.init)
        }
    }
}
