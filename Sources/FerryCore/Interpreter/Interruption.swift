import Foundation
import Synchronization

/// A request to stop the command that is running: from the user (Ctrl-C), or from the system
/// (SIGTERM, SIGHUP), which also ends Ferry once the command has stopped.
///
/// The terminal side raises it from a signal-watching thread; transfers, `run` and multi-file jobs look at
/// it between steps, so they stop at a point where nothing is half-written and the connection stays usable.
public final class Interruption: Sendable {
    private let requested = Atomic<Bool>(false)
    private let termination = Atomic<Int32>(0)
    private let child = Atomic<Int32>(0)

    /// Creates a flag that is not raised.
    public init() {}

    /// Asks the running command to stop.
    public func raise() { requested.store(true, ordering: .relaxed) }

    /// Asks the running command to stop and Ferry to end after it, because `signal` (SIGTERM or
    /// SIGHUP) arrived. A local command running for `!` gets the same signal, as a shell's job would.
    public func terminate(signal: Int32) {
        termination.store(signal, ordering: .relaxed)
        requested.store(true, ordering: .relaxed)
        let pid = child.load(ordering: .relaxed)
        if pid > 0 { kill(pid, signal) }
    }

    /// Whether a stop was asked for and not yet dealt with.
    public var isRaised: Bool { requested.load(ordering: .relaxed) || termination.load(ordering: .relaxed) != 0 }

    /// The signal that asked Ferry to end, if one did; it stays until Ferry exits.
    public var terminationSignal: Int32? {
        let signal = termination.load(ordering: .relaxed)
        return signal == 0 ? nil : signal
    }

    /// The exit status for a run this stopped: 130 after Ctrl-C, 128 + the signal after a termination.
    public var exitStatus: Int32 { terminationSignal.map { 128 + $0 } ?? FailureClass.interrupted.exitStatus }

    /// How the stop is told in a script's last line: "interrupted", or "terminated by SIGTERM".
    public var stopReason: String {
        switch terminationSignal {
        case nil: "interrupted"
        case SIGTERM: "terminated by SIGTERM"
        case SIGHUP: "terminated by SIGHUP"
        case let signal?: "terminated by signal \(signal)"
        }
    }

    /// Forgets a Ctrl-C, before the next command starts (a termination is never forgotten).
    public func clear() { requested.store(false, ordering: .relaxed) }

    /// Fails `command` when a stop was asked for.
    func check(_ command: String) throws(CommandFailure) {
        if isRaised { throw CommandFailure.interrupted(command) }
    }

    /// Notes the local command now running (0 when none), so a termination reaches it too.
    func attach(child pid: pid_t) {
        child.store(pid, ordering: .relaxed)
        if pid > 0, let signal = terminationSignal { kill(pid, signal) }
    }
}

extension CommandFailure {
    /// The failure of a command the user stopped.
    static func interrupted(_ command: String) -> CommandFailure {
        CommandFailure(.interrupted, "\(command): interrupted")
    }
}
