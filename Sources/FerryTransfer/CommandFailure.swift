import FerryBase
import FerryTransport
import Foundation

/// Classes of failure, each with its own exit status so cron jobs can tell them apart.
public enum FailureClass: Int32, Sendable, CaseIterable {
    /// A bad command line or a script with syntax errors; nothing ran.
    case usage = 2
    /// The host key was unknown, changed or not pinned.
    case hostKey = 3
    /// No login method worked.
    case authentication = 4
    /// A proxy refused or could not be reached.
    case proxy = 5
    /// The host could not be reached, or the connection dropped.
    case connection = 6
    /// A file command failed (missing file, permission denied, full disk, …).
    case transfer = 7
    /// A local (`!`) or remote command exited with a failure.
    case command = 8
    /// Some hosts of a multi-host run failed.
    case someHosts = 9
    /// The user pressed Ctrl-C; 128 + SIGINT, as shells report it.
    case interrupted = 130

    /// The exit status for this class.
    public var exitStatus: Int32 { rawValue }
}

/// Why a host or command failed, finer than its ``FailureClass``, as `report.json` and the events
/// spell it: a refused port and a changed host key differ here, not only in their message text.
public enum FailureReason: String, Codable, Sendable, CaseIterable {
    case usage
    case hostKeyUnknown = "host-key-unknown"
    case hostKeyChanged = "host-key-changed"
    case hostKeyRevoked = "host-key-revoked"
    case hostKeyNotPinned = "host-key-not-pinned"
    case hostKeyNotStored = "host-key-not-stored"
    case authentication
    case proxy
    case cannotResolve = "cannot-resolve"
    case connectionRefused = "connection-refused"
    case connectTimedOut = "connect-timed-out"
    case connectionFailed = "connection-failed"
    case handshake
    case connectionLost = "connection-lost"
    case transfer
    case command
    case interrupted
    /// The host did not finish within `--host-timeout`.
    case hostTimeout = "host-timeout"
    /// The host was not started: the run was interrupted first. Reports written before this name
    /// said `not-started`.
    case notRun = "not-run"
    /// The failure budget (`--max-fail`, `--fail-fast`) was spent: the host did not start, or a
    /// barrier held it.
    case failureBudget = "failure-budget"

    public init(from decoder: any Decoder) throws {
        self = try Self.decode(from: decoder, renamed: ["not-started": .notRun])
    }

    /// The reason a failure of `failureClass` has when nothing finer is known.
    public init(_ failureClass: FailureClass) {
        switch failureClass {
        case .usage: self = .usage
        case .hostKey: self = .hostKeyUnknown
        case .authentication: self = .authentication
        case .proxy: self = .proxy
        case .connection: self = .connectionFailed
        case .transfer, .someHosts: self = .transfer
        case .command: self = .command
        case .interrupted: self = .interrupted
        }
    }

    /// The reason `error` gives, when it is one of the transport's.
    init?(_ error: any Error) {
        switch error {
        case let error as HostKeyError:
            switch error {
            case .unknown: self = .hostKeyUnknown
            case .changed: self = .hostKeyChanged
            case .revoked: self = .hostKeyRevoked
            case .notPinned: self = .hostKeyNotPinned
            case .cannotStore: self = .hostKeyNotStored
            }
        case let error as ConnectionError:
            switch error {
            case .cannotResolve: self = .cannotResolve
            case .refused: self = .connectionRefused
            case .timedOut: self = .connectTimedOut
            case .handshake: self = .handshake
            case .failed: self = .connectionFailed
            }
        case let error as LibSSH2Error where error.isConnectionLost: self = .connectionLost
        default: return nil
        }
    }
}

/// A command that failed: one line for the user, and its class for the exit status.
///
/// The message often holds what a server sent (a name, a path, a signal's name), so it is kept
/// through ``ServerText/visible(_:)``: one line without control characters, wherever it is shown
/// or written (terminal, `report.md`, `report.json`).
public struct CommandFailure: Error, CustomStringConvertible, Sendable {
    public var failureClass: FailureClass
    public private(set) var message: String
    /// What the command did before it failed.
    public var outcome = CommandOutcome()
    /// The SFTP status the server answered with, when the failure is the server's refusal.
    public var sftpStatus: SFTPStatus?
    /// Why, finer than the class, when the error said.
    private var knownReason: FailureReason?
    /// Why, finer than the class where the error said (a refused port, a changed host key).
    public var reason: FailureReason { knownReason ?? FailureReason(failureClass) }

    /// Creates a failure.
    public init(_ failureClass: FailureClass, _ message: String) {
        self.failureClass = failureClass
        self.message = ServerText.visible(message)
    }

    public var description: String { message }

    /// Classifies an error raised while connecting or running a command; `context` prefixes the message.
    public init(_ error: any Error, context: String) {
        let prefix = context.isEmpty ? "" : context + ": "
        switch error {
        case let failure as CommandFailure:
            self = failure
        case let error as TargetNameError:
            self.init(.usage, prefix + error.description)
        case let error as HostKeyError:
            self.init(.hostKey, prefix + error.description)
        case let error as AuthenticationError:
            self.init(.authentication, prefix + error.description)
        case let error as ProxyError:
            self.init(.proxy, prefix + error.description)
        case let error as ConnectionError:
            self.init(.connection, prefix + error.description)
        case let error as LibSSH2Error where error.isConnectionLost:
            self.init(.connection, prefix + error.reason)
        case let error as LibSSH2Error:
            self.init(.transfer, prefix + error.description)
            sftpStatus = error.sftpStatus
        case let error as LocalFileError:
            self.init(.transfer, prefix + error.description)
        default:
            self.init(.transfer, prefix + "\(error)")
        }
        if let reason = FailureReason(error) { knownReason = reason }
    }
}
