import FerryBase
import FerryScript
import FerrySessions
import FerryTransfer
import FerryTransport
import Foundation

/// How the interpreter connects when a script or the prompt says `open`.
public struct InterpreterSettings {
    /// The host named on the command line, connected to before the first command.
    public var initialTarget: ConnectionTarget?
    /// The login name for `open host` without `user@`.
    public var defaultUser: String
    /// The port for `open host` without a port.
    public var defaultPort = 22
    /// Connection and login settings.
    public var connect: ConnectOptions
    /// Connections used at once for multi-file transfers (1 turns parallel transfers off).
    public var transferConnections = 4
    /// Streams a big file is split over (`--streams`), at most `transferConnections`; nil: as many as
    /// the connections when the link is slow to answer, else one.
    public var streams: Int?
    /// Uploads write the target itself rather than a hidden part renamed into place.
    public var inPlaceUploads = false
    /// How many times a command reconnects after losing its connection (`--retries`; 0: never).
    public var retries = 3
    /// Where `--events` go, if anywhere.
    public var events: EventLog?
    /// Walk scripts without changing anything: say what each command would meet (`--check`).
    public var checkOnly = false
    /// What `${NAME}`, `$1` and `${env:NAME}` stand for in lines typed at the prompt.
    public var parameters = ScriptParameters()
    /// Compare every transferred file's SHA-256 on both sides (`--verify`).
    public var verify = false

    /// Where `run` keeps what it collects: one folder per run, one subfolder per host.
    public var diagnosticsRoot = FileManager.default.currentDirectoryPath + "/diagnostics"
    /// Whether to write a report even when no command needed the diagnostics folder (`--diagnostics` given).
    public var alwaysReport = false
    /// Finds a saved session by name for `open NAME`; nil when there is none of that name.
    public var sessionLookup: ((String) throws(ProfileError) -> ResolvedSession?)?
    /// The local directory to start in.
    public var localDirectory = FileManager.default.currentDirectoryPath
    /// Raised (by Ctrl-C) to stop the running command.
    public var cancellation = Cancellation()
    /// Saved session names, offered when completing `open`.
    public var sessionNames: (() -> [String])?
    /// The host's name in a run over many hosts (its session name, or host[:port]): names its
    /// diagnostics folder and report entry, and replaces `{host}` in local paths.
    public var hostLabel: String?
    /// The run's diagnostics folder, shared by every host of a run over many hosts.
    public var runFolder: String?
    /// Whether a batch run writes its own report (a run over many hosts writes one for all).
    public var writesReport = true
    /// Whether connecting starts SFTP at once and says where it landed, as psftp does. A run over
    /// many hosts starts SFTP only for commands that need it.
    public var announcesRemoteDirectory = true
    /// Where `barrier` lines wait for the other hosts of a run over many hosts; nil on one host,
    /// where a barrier has nothing to wait for.
    public var barrier: (any BarrierGate)?
    /// The host's transfer caps and its share of the run's (`--bwlimit`, `--bwlimit-host`, the
    /// session's `bwlimit-host`); nil: none but what the script's `bwlimit` sets.
    package var bandwidth: HostBandwidth?

    /// Creates settings.
    public init(defaultUser: String, connect: ConnectOptions) {
        self.defaultUser = defaultUser
        self.connect = connect
    }
}

/// What holds for one connection only: what Ferry learnt of the link and the server, and what the saved
/// session it came from asks. A new connection starts from a fresh one; a reconnection keeps it but
/// measures the link again.
struct ConnectionFacts {
    /// The round trip, measured before the first big transfer (seconds).
    var roundTrip: Double?
    /// The program the server hashes files with, once `--verify` has asked.
    var digestTool: String?
    /// The saved session asks uploads to write in place (`inplace: true`).
    var inPlace = false
    /// The saved session asks every transfer to be verified (`verify: true`).
    var verify = false
}

/// Runs commands against one connection and a pair of working directories.
///
/// Used from one thread; every libssh2 call it makes blocks that thread, never Swift's cooperative pool.
public final class Interpreter {
    public var settings: InterpreterSettings
    let console: any Console
    var connection: SSHConnection?
    var pool: TransferPool?
    /// The remote working directory, absolute.
    public internal(set) var remoteDirectory = "/"
    /// The remote directory the connection started in.
    var remoteHome = "/"
    /// Whether the remote directories have been asked of the server (over SFTP) since connecting.
    var remoteDirectoryKnown = false
    /// The local working directory, absolute. Kept here rather than with chdir so that hosts run side by side.
    public internal(set) var localDirectory: String
    /// Made on the first transfer, so that hundreds of hosts running only commands stay small.
    lazy var buffer = FileTransfer.Buffer()
    /// This run's diagnostics folder, made when `run` first needs it.
    var runFolder: String?
    /// How many `run` commands have run, for their file names.
    var runCounter = 0
    /// Every command run so far, for the report.
    public internal(set) var records: [CommandRecord] = []
    /// What holds for the open connection only.
    var facts = ConnectionFacts()
    /// Remote files served without a connection: the in-memory tree that unit tests attach.
    let attachedFiles: (any RemoteFileSystem)?
    /// The first command whose failure counts, if any has failed.
    public var firstCountedFailure: CommandRecord? { records.first { $0.status.countsAsFailure } }
    /// Where a barrier held this host, if one did.
    public internal(set) var held: HeldAtBarrier?
    /// The caps this host's transfers are under, shared with its transfer pool.
    let bandwidth: HostBandwidth
    /// Remote directory listings kept briefly for Tab completion, by absolute path.
    var listings: [String: (made: Date, entries: [CompletionEntry])] = [:]

    /// Creates an interpreter; nothing connects until ``connectInitialTarget()`` or `open`.
    public convenience init(settings: InterpreterSettings, console: any Console) {
        self.init(settings: settings, console: console, files: nil)
    }

    /// Creates an interpreter whose remote file commands go to `files` (when given) with no
    /// connection: how unit tests run commands against an in-memory tree.
    package init(settings: InterpreterSettings, console: any Console, files: (any RemoteFileSystem)?) {
        self.settings = settings
        attachedFiles = files
        bandwidth = settings.bandwidth ?? HostBandwidth(run: nil)
        // Everything the interpreter prints goes through the one sanitiser for server text.
        self.console = VisibleConsole(console)
        localDirectory = settings.localDirectory
        if let events = settings.events {
            let label = settings.hostLabel
            (self.console as? VisibleConsole)?.onProgress = { [weak self] progress in
                let host = label ?? self?.hostName
                var event = FerryEvent(.progress, host: host)
                (event.file, event.bytes, event.total) = (progress.name, progress.bytes, progress.total)
                event.cap = progress.cap
                events.progress(event, key: "\(host ?? "")\u{0}\(progress.name)")
            }
        }
        runFolder = settings.runFolder
    }

    /// The name this host goes by in folders and reports.
    var hostName: String? { settings.hostLabel ?? connection?.target.host }

    /// What `{host}` in a local path stands for: the host's label in a run over many hosts, else the
    /// connected host as host[:port]; nil (the text stays as written) while not connected.
    var pathHostLabel: String? {
        settings.hostLabel
            ?? connection.map { $0.target.host + ($0.target.port == 22 ? "" : ":\($0.target.port)") }
    }

    /// Whether a connection is open.
    public var isConnected: Bool { connection != nil }

    /// Connects to the command line's host, if it named one.
    public func connectInitialTarget() throws(CommandFailure) {
        if let target = settings.initialTarget { try connect(to: target) }
    }

    /// Runs one command and says what it did; a failure carries what it did before failing.
    public func execute(_ command: Command) throws(CommandFailure) -> CommandOutcome {
        try execute(command, ledger: nil)
    }

    /// Runs one command; a transfer notes the files it finishes in `ledger` and skips those the
    /// ledger holds already (a command run again after a reconnect).
    func execute(_ command: Command, ledger: RetryLedger?) throws(CommandFailure) -> CommandOutcome {
        keepAlive()
        switch command {
        case .bye: return CommandOutcome(flow: .quit)
        case .help(let topic): try help(topic)
        case .open(let target, let port): try open(target, port: port)
        case .close: try closeCommand()
        case .pwd:
            _ = try sftp("pwd")
            console.print("Remote directory is \(remoteDirectory)")
        case .lpwd: console.print("Current local directory is \(localDirectory)")
        case .cd(let path): try changeRemoteDirectory(path)
        case .lcd(let path): try changeLocalDirectory(path)
        case .ls(let list): try listDirectory(list)
        case .transfer(let transfer): return try runTransfer(transfer, ledger: ledger)
        case .mkdir(let paths): try makeDirectories(paths)
        case .rmdir(let paths): try removeDirectories(paths)
        case .rm(let patterns): try removeFiles(patterns)
        case .mv(let sources, let destination): try move(sources, to: destination)
        case .chmod(let mode, let patterns): try changeMode(mode, patterns)
        case .local(let commandLine): try runLocal(commandLine)
        case .run(let run): return try runRemote(run)
        case .collect(let patterns, let recursive): return try collect(patterns, recursive: recursive, ledger: ledger)
        case .pingMTU(let request): return try pingMTU(request)
        case .verify(let remote, let local): try verifyFiles(remote: remote, local: local)
        case .mirror(let mirror): return try runMirror(mirror)
        case .bwlimit(let caps): capTransfers(caps)
        case .barrier:
            // A script's barriers go through the batch runner, which knows their line.
            throw CommandFailure(.usage, "barrier: only a batch script run over many hosts waits at a barrier")
        }
        return CommandOutcome()
    }

    /// The open connection, or a failure telling the user to `open` a host.
    func connected(_ command: String) throws(CommandFailure) -> SSHConnection {
        guard let connection else {
            throw CommandFailure(.connection, "\(command): not connected to a host; use 'open [user@]host'")
        }
        return connection
    }

    /// The SFTP channel, started if need be, or a failure when not connected. The remote working
    /// directory is learnt with it, so every command that uses remote paths comes through here first.
    func sftp(_ command: String) throws(CommandFailure) -> any RemoteFileSystem {
        let client: any RemoteFileSystem
        if let attachedFiles {
            client = attachedFiles
        } else {
            let connection = try connected(command)
            client = try remote(command, "starting SFTP") { try connection.sftp }
        }
        if !remoteDirectoryKnown {
            do {
                remoteHome = try client.realPath(".")
            } catch let error as SuspiciousPathError {
                console.report("warning: \(error) as the remote directory; starting in /")
                remoteHome = "/"
            } catch {
                remoteHome = "/"
            }
            remoteDirectory = remoteHome
            remoteDirectoryKnown = true
        }
        return client
    }

    /// Runs a remote step for `command`; a lost connection is dropped so later commands say so plainly.
    ///
    /// SFTP version 3 answers many refusals with a bare "failure"; `explainFailure` may look around and
    /// return the real reason (such as "file already exists"), which then replaces it.
    func remote<T>(
        _ command: String, _ path: String, explainFailure: (() -> String?)? = nil, _ body: () throws -> T
    ) throws(CommandFailure) -> T {
        do {
            return try body()
        } catch {
            if let explainFailure, (error as? LibSSH2Error)?.sftpStatus == .failure, let reason = explainFailure() {
                throw CommandFailure(.transfer, "\(command): \(path): \(reason)")
            }
            let failure = CommandFailure(error, context: "\(command): \(path)")
            if failure.failureClass == .connection { forgetLostConnection() }
            throw failure
        }
    }

    /// Where relative paths start, and what `{host}` and `~` stand for.
    var paths: PathContext {
        PathContext(
            remoteDirectory: remoteDirectory, localDirectory: localDirectory, hostLabel: pathHostLabel,
            home: ProcessInfo.processInfo.environment["HOME"] ?? NSHomeDirectory())
    }

    /// A local path made absolute against the local working directory, `~` and `{host}` named.
    func localPath(_ path: String) -> String { paths.localPath(path) }

    /// A remote path made absolute against the remote working directory.
    func remotePath(_ path: String) -> String { paths.remotePath(path) }

    /// The planner for `command`'s transfers, over the SFTP channel (started if need be).
    func planner(_ command: String) throws(CommandFailure) -> TransferPlanner {
        let files = try sftp(command)
        return TransferPlanner(files: files, paths: paths, warn: { [console] in console.report($0) })
    }

    /// Runs `body`; a lost connection it reports is dropped, so later commands say so plainly.
    func droppingLostConnection<T>(_ body: () throws(CommandFailure) -> T) throws(CommandFailure) -> T {
        do {
            return try body()
        } catch {
            if error.failureClass == .connection { forgetLostConnection() }
            throw error
        }
    }

    /// Sends a keepalive when one is due, so a long local command or a slow typist does not let a
    /// firewall forget the connection; a connection found dead here is dropped.
    public func keepAlive() {
        guard let connection else { return }
        do {
            try connection.session.sendKeepaliveIfDue()
        } catch {
            console.report("ferry: connection to \(connection.target.host) lost: \(error)")
            forgetLostConnection()
        }
    }

    /// Says goodbye on the connection and any extra transfer connections, and closes them.
    public func disconnect() {
        pool?.shutdown()
        pool = nil
        connection?.close()
        connection = nil
    }

    /// Lets go of a connection known to be lost, without a goodbye that would only wait.
    func forgetLostConnection() {
        pool?.shutdown()
        pool = nil
        connection = nil
    }
}
