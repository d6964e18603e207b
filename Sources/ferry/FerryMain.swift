import FerryApp
import FerryBase
import FerryCore
import FerryLineEditor
import FerryScript
import FerrySessions
import FerryTransfer
import FerryTransport
import Foundation
import Logging

/// Turns the parsed command line into FerryKit settings, runs the script or the prompt, returns the exit status.
struct FerryMain {
    let options: Ferry

    func run() -> Int32 {
        // First, before any other thread starts, so that every thread inherits the signals blocked.
        let watcher = InterruptWatcher.start()
        let status = run(watcher: watcher)
        // After SIGTERM or SIGHUP, whatever stopped, Ferry ends as a killed process would report it.
        if let cancellation = watcher?.cancellation, cancellation.terminationSignal != nil {
            return cancellation.exitStatus
        }
        return status
    }

    /// Runs with `--events` open when asked: `run-start` first, `run-end` with the exit status last.
    private func run(watcher: InterruptWatcher?) -> Int32 {
        var events: EventLog?
        if let path = options.events {
            do {
                events = try EventLog.open(path)
            } catch {
                TerminalConsole().report("ferry: --events \(error)")
                return FailureClass.usage.exitStatus
            }
        }
        var start = FerryEvent(.runStart)
        (start.schema, start.script) = ("ferry-events/1", options.batchFile)
        events?.emit(start)
        var summary: [String: Int]?
        let status = run(watcher: watcher, events: events, summary: &summary)
        var end = FerryEvent(.runEnd)
        (end.exitStatus, end.summary) = (Int(status), summary)
        events?.emit(end)
        return status
    }

    private func run(watcher: InterruptWatcher?, events: EventLog?, summary: inout [String: Int]?) -> Int32 {
        let console = TerminalConsole()
        var script: Script?
        if let path = options.batchFile {
            do {
                script = try Setup.loadScript(
                    path, parameters: options.scriptParameters(environment: ProcessInfo.processInfo.environment))
            } catch {
                for line in error.lines { console.report(line) }
                return FailureClass.usage.exitStatus
            }
        }

        var logger = Logger(label: "ferry") { StreamLogHandler.standardError(label: $0) }
        logger.logLevel = options.verbose > 0 ? .info : .warning
        // -v lines name what the server offered (its method list, for one): shown with controls visible.
        let log: (String) -> Void = { [logger] in logger.info("\(ServerText.visible($0))") }
        var invocation = self.invocation
        invocation.events = events
        invocation.fleet.events = events
        // Many hosts at once never ask anything: fifty host-key questions at once help nobody.
        let asks = !options.batch && !invocation.runsOnManyHosts
        let cancellation = watcher?.cancellation ?? Cancellation()
        let setup: Setup
        let settings: InterpreterSettings
        let session: ResolvedSession
        do {
            if options.shard == "auto" { invocation.shard = try autoShard(environment: invocation.environment) }
            setup = try Setup(invocation, prompter: asks ? TerminalPrompter() : nil, log: log)
            if invocation.runsOnManyHosts {
                let (hosts, shard) = try setup.fleetHosts(for: script)
                invocation.fleet.shard = shard
                if let shard { announce(shard, hosts: hosts.count) }
                return runFleet(
                    hosts, script: script, invocation: invocation, cancellation: cancellation, summary: &summary)
            }
            (settings, session) = try setup.singleHost(cancellation: cancellation)
        } catch {
            for line in error.lines { console.report(line) }
            return FailureClass.usage.exitStatus
        }

        let interpreter = Interpreter(settings: settings, console: console)
        defer { interpreter.disconnect() }
        let host = settings.hostLabel ?? settings.initialTarget?.host
        events?.emit(FerryEvent(.hostStart, host: host))
        var status: Int32 = 0
        defer {
            var end = FerryEvent(.hostEnd, host: host)
            // As a run over many hosts says it: a host stopped by Ctrl-C or a signal was interrupted.
            let ended: HostStatus = status == 0 ? .ok : status >= 128 ? .interrupted : .failed
            (end.status, end.exitStatus) = (.host(ended), Int(status))
            if status != 0 {
                let failed = interpreter.firstCountedFailure
                end.reason =
                    ended == .interrupted
                    ? .interrupted : failed?.reason ?? FailureClass(rawValue: status).map(FailureReason.init)
            }
            events?.emit(end)
        }
        status = runSingle(interpreter, script: script, session: session, invocation: invocation, watcher: watcher)
        return status
    }

    /// One host (or none yet: the prompt), connected first when the command line names it.
    private func runSingle(
        _ interpreter: Interpreter, script: Script?, session: ResolvedSession, invocation: Invocation,
        watcher: InterruptWatcher?
    ) -> Int32 {
        let console = TerminalConsole()
        let settings = interpreter.settings
        if settings.initialTarget != nil {
            do {
                try interpreter.connectInitialTarget()
                try interpreter.enterStartDirectories(session)
            } catch {
                console.report("ferry: \(error.message)")
                return error.failureClass.exitStatus
            }
        } else if script == nil {
            console.report("ferry: no hostname specified; use \"open host.name\" to connect")
        }
        if let script {
            return interpreter.run(script, options: invocation.batch)
        }
        if isatty(STDIN_FILENO) == 1 {
            let state =
                invocation.environment["XDG_STATE_HOME"].flatMap { $0.hasPrefix("/") ? $0 : nil }
                ?? invocation.home + "/.local/state"
            guard let editor = LineEditor(historyPath: state + "/ferry/history", watcher: watcher) else {
                console.report("ferry: cannot set up line editing on this terminal")
                return FailureClass.usage.exitStatus
            }
            editor.complete = { interpreter.completion(for: $0) }
            editor.idle = { interpreter.keepAlive() }
            return interpreter.runPrompt(reader: editor)
        }
        // Commands piped in run as a batch, as OpenSSH sftp does.
        var text = ""
        while let line = Swift.readLine(strippingNewline: false) { text += line }
        do {
            let piped = try ScriptParser.parse(text, file: "<stdin>", parameters: invocation.parameters)
            return interpreter.run(piped, options: invocation.batch)
        } catch {
            for diagnostic in error.diagnostics { console.report(diagnostic.description) }
            return FailureClass.usage.exitStatus
        }
    }
}

extension FerryMain {
    /// The command line and environment as the library takes them.
    var invocation: Invocation {
        let environment = ProcessInfo.processInfo.environment
        var invocation = Invocation(
            environment: environment, currentDirectory: FileManager.default.currentDirectoryPath)
        invocation.targets = options.targets
        invocation.sessionsToLoad = options.load
        invocation.hostsFile = options.hostsFile
        invocation.rerunReport = options.rerun
        invocation.checkOnly = options.check
        invocation.fleet.checkOnly = options.check
        invocation.fleet.continues = options.rerun.map { URL(fileURLWithPath: $0).standardizedFileURL.path }
        invocation.groups = options.groups
        invocation.settings = options.connectionSettings(environment: environment)
        invocation.family = options.ipv4 ? .ipv4 : options.ipv6 ? .ipv6 : .any
        invocation.useAgent = !options.noAgent
        invocation.sessionsFolder = options.sessions
        invocation.transferConnections = options.connections
        invocation.streams = options.streams
        invocation.bandwidth = options.bandwidth.flatMap { BandwidthCaps($0) } ?? .none
        invocation.fleet.bandwidth = invocation.bandwidth
        invocation.diagnostics = options.diagnostics
        invocation.batch = BatchOptions(echo: options.echoCommands, keepGoing: options.keepGoing)
        invocation.parameters = options.scriptParameters(environment: environment)
        invocation.fleet.parallel = options.parallel
        invocation.fleet.hostTimeout = options.hostTimeout
        invocation.fleet.maxFail = options.failFast ? .count(0) : options.maxFail.flatMap(HostShare.init)
        invocation.fleet.waves = options.waves.flatMap(HostShare.list) ?? []
        invocation.shard = options.shard.flatMap { Shard($0) }
        invocation.runID = options.runID ?? environment["SLURM_ARRAY_JOB_ID"] ?? environment["FERRY_RUN_ID"]
        invocation.fleet.stream = options.stream
        invocation.fleet.keepsOutput = options.json || options.gather
        invocation.fleet.batch = invocation.batch
        return invocation
    }

    /// `--shard auto`: the slice the scheduler gives this process.
    func autoShard(environment: [String: String]) throws(SetupError) -> Shard {
        do {
            return try Shard.auto(environment: environment)
        } catch {
            throw SetupError(["ferry: \(error)"])
        }
    }
}
