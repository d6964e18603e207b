import FerryBase
import FerryScript
import FerryTransfer
import FerryTransport
import Foundation

extension Interpreter {
    /// `ping-mtu` / `lping-mtu`: measures, prints the figures and the verdict; a mismatch fails the command
    /// (and the report marks it "trouble"), so cron jobs notice.
    func pingMTU(_ request: PingMTU) throws(CommandFailure) -> CommandOutcome {
        let command = request.local ? "lping-mtu" : "ping-mtu"
        let shell: any ProbeShell
        if request.local {
            shell = LocalShell(directory: localDirectory, cancellation: settings.cancellation)
        } else {
            shell = RemoteShell(connection: try connected(command), cancellation: settings.cancellation)
        }
        var probe = MTUProbe(target: request.target, ipv6: request.ipv6, maximum: request.maximum, shell: shell)
        probe.name = command
        let figures = try probe.measure()
        let outcome = CommandOutcome(mtu: figures)
        var line =
            "\(command) \(figures.target): path MTU \(figures.pathMTU), interface \(figures.interface)"
            + " MTU \(figures.interfaceMTU)"
        if let reported = figures.reportedMTU { line += ", network reported mtu = \(reported)" }
        console.print(line)
        guard figures.verdict == .matched else {
            throw CommandFailure(.command, "\(command): mismatch: \(figures.explanation)").having(outcome)
        }
        console.print("\(command): matched: \(figures.explanation)")
        return outcome
    }
}

/// Runs probe commands on the remote host through exec channels.
struct RemoteShell: ProbeShell {
    let connection: SSHConnection
    let cancellation: Cancellation

    func run(_ command: String) throws(CommandFailure) -> (status: Int32, output: String) {
        var output = Data()
        do {
            let end = try connection.run(
                command, timeout: 30, cancellation: cancellation, stdout: { output.append(contentsOf: $0) },
                stderr: { output.append(contentsOf: $0) })
            switch end {
            case .exited(let code): return (code, String(decoding: output, as: UTF8.self))
            case .signalled(let signal):
                throw CommandFailure(.command, "ping-mtu: '\(command)' was killed by signal \(signal)")
            case .timedOut: throw CommandFailure(.command, "ping-mtu: '\(command)' did not finish within 30 s")
            case .interrupted: throw CommandFailure.interrupted("ping-mtu")
            }
        } catch let failure as CommandFailure {
            throw failure
        } catch {
            throw CommandFailure(error, context: "ping-mtu")
        }
    }
}

/// Runs probe commands here with /bin/sh.
struct LocalShell: ProbeShell {
    let directory: String
    let cancellation: Cancellation

    func run(_ command: String) throws(CommandFailure) -> (status: Int32, output: String) {
        try cancellation.throwIfStopped("lping-mtu")
        var output = Data()
        let end: LocalCommand.End
        do {
            end = try LocalCommand.run(
                command, in: directory, output: &output, cancellation: cancellation)
        } catch {
            throw CommandFailure(.command, "lping-mtu: cannot run /bin/sh: \(error)")
        }
        switch end {
        case .exited(let code): return (code, String(decoding: output, as: UTF8.self))
        case .signalled(let signal) where signal == SIGINT || signal == cancellation.terminationSignal:
            throw CommandFailure.interrupted("lping-mtu")
        case .signalled(let signal):
            throw CommandFailure(.command, "lping-mtu: '\(command)' killed by signal \(signal)")
        }
    }
}
