import FerryBase
import Foundation

extension Cancellation {
    /// The exit status for a run this stopped: 130 after Ctrl-C, 128 + the signal after a termination.
    public var exitStatus: Int32 { terminationSignal.map { 128 + $0 } ?? FailureClass.interrupted.exitStatus }

    /// Fails `command` when a stop was asked for.
    public func throwIfStopped(_ command: String) throws(CommandFailure) {
        if isCancelled { throw CommandFailure.interrupted(command) }
    }
}

extension CommandFailure {
    /// The failure of a command the user stopped.
    public static func interrupted(_ command: String) -> CommandFailure {
        CommandFailure(.interrupted, "\(command): interrupted")
    }
}
