import FerryTransfer

/// Where the interpreter's output goes: results to standard output, problems to standard error,
/// and a progress meter that only a terminal shows.
public protocol Console: TransferDisplay {
    /// Prints one line of normal output.
    func print(_ line: String)
    /// Passes on output from a remote command as it arrives, already made safe for a terminal.
    func stream(_ text: String, isError: Bool)
    /// Tidies up after Ctrl-C stopped a command (the terminal has echoed `^C` where the cursor was).
    func endInterruptedCommand()
}

extension Console {
    /// Consoles that are not terminals have nothing to tidy.
    public func endInterruptedCommand() {}
}
