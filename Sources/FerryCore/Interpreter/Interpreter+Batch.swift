import FerryBase
import FerryScript
import FerryTransfer
import Foundation

/// How a batch script runs (psftp's `-bc` and `-be`).
public struct BatchOptions: Sendable {
    /// Print each command before running it, as `ferry> command`.
    public var echo = false
    /// Keep going after a failed command; the failure still makes the exit status non-zero.
    public var keepGoing = false

    /// Creates options.
    public init(echo: Bool = false, keepGoing: Bool = false) {
        self.echo = echo
        self.keepGoing = keepGoing
    }
}

extension Interpreter {
    /// Runs every line of `script` and returns the exit status: 0 when every counted command succeeded,
    /// otherwise the class of the first counted failure.
    public func run(_ script: Script, options: BatchOptions) -> Int32 {
        var status: Int32 = 0
        let started = Date()
        for line in script.lines {
            if settings.cancellation.isCancelled {
                console.report("ferry: \(script.file):\(line.line): \(settings.cancellation.stopReason); stopping")
                status = settings.cancellation.exitStatus
                break
            }
            if options.echo { console.print("ferry> \(line.ignoresFailure ? "-" : "")\(line.text)") }
            do {
                let flow = try recording(line).flow
                if flow == .quit { break }
                if flow == .hold {
                    if status == 0 { status = FailureClass.someHosts.exitStatus }
                    break
                }
            } catch {
                if error.failureClass == .interrupted { console.endInterruptedCommand() }
                console.report(error.message)
                if error.failureClass == .interrupted {
                    // Ctrl-C (or SIGTERM) stops the whole script, whatever -be or a leading '-' say.
                    console.report(
                        "ferry: \(script.file):\(line.line): \(settings.cancellation.stopReason); stopping")
                    status = settings.cancellation.exitStatus
                    break
                }
                if line.ignoresFailure { continue }
                if status == 0 { status = error.failureClass.exitStatus }
                if !options.keepGoing {
                    console.report("ferry: \(script.file):\(line.line): command failed; stopping (-be keeps going)")
                    break
                }
            }
        }
        if settings.checkOnly {
            if let caps = bandwidth.caps.ifAny {
                console.print("check: \(hostName ?? "no host"): transfers capped at \(caps.description)")
            }
            if let failed = records.first(where: { $0.status != .ok }) {
                console.report(
                    "check: \(hostName ?? "no host"): would fail at \(script.file):\(failed.line ?? 0) (\(failed.command)):"
                        + " \(failed.message ?? failed.status.rawValue)")
            } else {
                console.print("check: \(hostName ?? "no host"): ok, every command would run")
            }
        }
        // A run whose report is missing has not done all it was asked.
        if !writeReport(script: script.file, started: started, status: status), status == 0 {
            status = FailureClass.transfer.exitStatus
        }
        return status
    }

    /// Runs `line`'s command and keeps a record of what it did for the report.
    func recording(_ line: ScriptLine) throws(CommandFailure) -> CommandOutcome {
        let started = Date()
        var record = CommandRecord(
            line: line.line, command: line.text, host: hostName, status: .ok, exitStatus: nil, signal: nil,
            timedOutAfterSeconds: nil, durationSeconds: 0, bytes: 0, message: nil)
        record.started = Self.timestamp.format(started)
        var outcome = CommandOutcome()
        var reconnects = 0
        var resumed: [String] = []
        if let events = settings.events {
            var event = FerryEvent(.commandStart, host: hostName)
            (event.line, event.command) = (line.line, line.text)
            events.emit(event)
        }
        defer {
            record.reconnects = reconnects > 0 ? reconnects : nil
            record.resumed = resumed.isEmpty ? nil : resumed
            record.host = hostName ?? record.host
            record.durationSeconds = (Date().timeIntervalSince(started) * 1000).rounded() / 1000
            record.bytes = outcome.bytes
            record.mtu = outcome.mtu
            record.mirror = outcome.mirror
            record.output = outcome.output
            if outcome.bytes > 0 { record.bwlimit = bandwidth.caps.ifAny }
            switch outcome.remoteEnd {
            case .exited(let code): record.exitStatus = Int(code)
            case .signalled(let signal): record.signal = signal
            case .timedOut(let seconds): record.timedOutAfterSeconds = seconds
            case .interrupted, nil: break
            }
            records.append(record)
            if let events = settings.events {
                var event = FerryEvent(.commandEnd, host: record.host)
                (event.line, event.command, event.status) = (line.line, line.text, .command(record.status))
                (event.exitStatus, event.message, event.bytes) = (record.exitStatus, record.message, record.bytes)
                event.reason = record.reason
                events.emit(event)
            }
        }
        do {
            if case .barrier(let name) = line.command {
                outcome = try barrier(name, line: line.line)
                if outcome.flow == .hold { (record.status, record.message) = (.held, held?.reason) }
                return outcome
            }
            outcome = try executeRetrying(line.command, reconnects: &reconnects, resumed: &resumed)
            return outcome
        } catch {
            outcome = error.outcome
            record.status =
                error.failureClass == .interrupted
                ? .interrupted
                : line.ignoresFailure ? .failedIgnored : outcome.mtu?.verdict == .mismatched ? .trouble : .failed
            record.message = error.message
            record.reason = error.reason
            if outcome.remoteEnd == nil { record.exitStatus = Int(error.failureClass.exitStatus) }
            throw error
        }
    }

    /// How a command's start is written: UTC, with milliseconds.
    static let timestamp = Date.ISO8601FormatStyle(includingFractionalSeconds: true)

    /// Writes report.json and report.md into this run's diagnostics folder, when there is one.
    /// Returns false, after saying why, when the report was due and could not be written.
    @discardableResult
    func writeReport(script: String?, started: Date, status: Int32) -> Bool {
        guard settings.writesReport, runFolder != nil || settings.alwaysReport else { return true }
        let folder: String
        do {
            folder = try currentRunFolder()
        } catch {
            console.report("ferry: cannot write the report: \(error.message)")
            return false
        }
        var report = RunReport(
            run: PathRules.lastComponent(folder), script: script, started: started, finished: Date(),
            exitStatus: status, records: records)
        report.bwlimit = bandwidth.run.map(\.caps)
        if let own = bandwidth.configuredCaps.ifAny {
            report.hosts = report.hosts.map {
                var host = $0; host.bwlimit = own; return host
            }
        }
        do {
            try report.write(to: folder)
            console.print("Report: \(folder)/report.md")
            return true
        } catch {
            console.report("ferry: cannot write the report: \(error)")
            return false
        }
    }
}
