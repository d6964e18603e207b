import Synchronization

/// A request from the user (Ctrl-C) to stop the command that is running.
///
/// The terminal side raises it from a signal-watching thread; transfers, `run` and multi-file jobs look at
/// it between steps, so they stop at a point where nothing is half-written and the connection stays usable.
public final class Interruption: Sendable {
    private let requested = Atomic<Bool>(false)

    /// Creates a flag that is not raised.
    public init() {}

    /// Asks the running command to stop.
    public func raise() { requested.store(true, ordering: .relaxed) }

    /// Whether a stop was asked for and not yet dealt with.
    public var isRaised: Bool { requested.load(ordering: .relaxed) }

    /// Forgets a request, before the next command starts.
    public func clear() { requested.store(false, ordering: .relaxed) }

    /// Fails `command` when a stop was asked for.
    func check(_ command: String) throws(CommandFailure) {
        if isRaised { throw CommandFailure.interrupted(command) }
    }
}

extension CommandFailure {
    /// The failure of a command the user stopped.
    static func interrupted(_ command: String) -> CommandFailure {
        CommandFailure(.interrupted, "\(command): interrupted")
    }
}
