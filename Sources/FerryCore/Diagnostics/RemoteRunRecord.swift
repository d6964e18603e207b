import FerryTransfer

/// How one `run` command went, as its `.json` file beside the `.stdout` and `.stderr` files records it.
public struct RemoteRunRecord: Codable, Equatable, Sendable {
    public var command: String
    public var host: String
    /// When it started, ISO 8601.
    public var started: String
    public var durationSeconds: Double
    /// The names of the files holding its output, in the same folder.
    public var stdout: String
    public var stderr: String
    /// Its exit status, when it exited.
    public var exitStatus: Int?
    /// The signal that killed it, when one did.
    public var signal: String?
    /// The `--timeout` it ran past, when it did.
    public var timedOutAfterSeconds: Int?
    /// True when Ctrl-C or a termination stopped it.
    public var interrupted: Bool?

    enum CodingKeys: String, CodingKey {
        case command, host, started, stdout, stderr, signal, interrupted
        case durationSeconds = "duration_seconds"
        case exitStatus = "exit_status"
        case timedOutAfterSeconds = "timed_out_after_seconds"
    }
}
