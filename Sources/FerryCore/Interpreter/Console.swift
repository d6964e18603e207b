/// Where the interpreter's output goes: results to standard output, problems to standard error,
/// and a progress meter that only a terminal shows.
public protocol Console: AnyObject {
    /// Prints one line of normal output.
    func print(_ line: String)
    /// Prints one line about a problem (an error or a warning).
    func report(_ line: String)
    /// Passes on output from a remote command as it arrives, already made safe for a terminal.
    func stream(_ text: String, isError: Bool)
    /// Shows how far a transfer has got; called often, so a terminal should redraw sparingly.
    func progress(_ status: TransferProgress)
    /// Clears the progress meter, if one is shown.
    func endProgress()
    /// Tidies up after Ctrl-C stopped a command (the terminal has echoed `^C` where the cursor was).
    func endInterruptedCommand()
}

extension Console {
    /// Consoles that are not terminals have nothing to tidy.
    public func endInterruptedCommand() {}
}

/// A snapshot of a running transfer, for progress meters.
public struct TransferProgress: Sendable, Equatable {
    /// The file being moved, or a summary such as `12/2000 files`.
    public var name: String
    /// Bytes moved so far.
    public var bytes: UInt64
    /// Bytes expected in all, when known.
    public var total: UInt64?
}
