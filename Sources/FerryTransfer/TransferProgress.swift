/// A snapshot of a running transfer, for progress meters.
public struct TransferProgress: Sendable, Equatable {
    /// The file being moved, or a summary such as `12/2000 files`.
    public var name: String
    /// Bytes moved so far.
    public var bytes: UInt64
    /// Bytes expected in all, when known.
    public var total: UInt64?
    /// The cap in force on this transfer (bytes a second), if any (`--bwlimit`, `bwlimit`).
    public var cap: UInt64?

    /// Creates a value from its parts.
    public init(name: String, bytes: UInt64, total: UInt64? = nil, cap: UInt64? = nil) {
        self.name = name
        self.bytes = bytes
        self.total = total
        self.cap = cap
    }
}

/// Where a transfer of many files shows how far it has got, and its warnings.
public protocol TransferDisplay: AnyObject {
    /// Shows how far a transfer has got; called often, so a terminal should redraw sparingly.
    func progress(_ status: TransferProgress)
    /// Clears the progress meter, if one is shown.
    func endProgress()
    /// Prints one line about a problem (an error or a warning).
    func report(_ line: String)
}
