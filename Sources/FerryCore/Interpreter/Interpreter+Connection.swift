import FerryBase
import FerrySessions
import FerryTransport
import Foundation
import Synchronization

extension Interpreter {
    /// Connects to `target`, replacing any open connection.
    func connect(to target: ConnectionTarget, options: ConnectOptions? = nil) throws(CommandFailure) {
        shutdown()
        var options = options ?? settings.connect
        options.warn = { [console] in console.report("warning: \($0)") }
        // Ctrl-C while connecting cuts the attempt short (a run over many hosts brings its own abort).
        let watch = options.abort == nil ? ConnectWatch(interruption: settings.interruption) : nil
        if let watch { options.abort = watch.abort }
        let opened: SSHConnection
        do {
            defer { watch?.stop() }
            opened = try SSHConnection.open(target, options: options)
        } catch {
            if watch?.abort.hasFired == true { throw CommandFailure.interrupted("open \(target.host)") }
            throw CommandFailure(error, context: "\(target.host)")
        }
        if watch?.abort.hasFired == true {
            opened.close()
            throw CommandFailure.interrupted("open \(target.host)")
        }
        connection = opened
        remoteDirectoryKnown = false
        if settings.announcesRemoteDirectory {
            _ = try sftp("open")
            console.print("Remote working directory is \(remoteDirectory)")
        }
    }

    /// `open [user@]host[:port] [port]`.
    func open(_ given: String?, port: Int?) throws(CommandFailure) {
        if connection != nil {
            throw CommandFailure(
                .usage,
                "open: already connected to \(connection?.target.description ?? "a host");"
                    + " use 'close' first")
        }
        guard let given else {
            guard let target = settings.initialTarget else {
                throw CommandFailure(.usage, "open: no host given (usage: open [user@]host[:port])")
            }
            try connect(to: target)
            return
        }
        if !given.contains("@"), !given.contains(":"), ProfileStore.isValidName(given),
            let lookup = settings.sessionLookup
        {
            let found: ResolvedSession?
            do {
                found = try lookup(given)
            } catch {
                throw CommandFailure(.usage, "open: \(error)")
            }
            if let found {
                guard var target = found.target else {
                    throw CommandFailure(.usage, "open: session '\(given)' names no host")
                }
                if let port { target.port = port }
                try connect(to: target, options: found.options)
                try enterStartDirectories(found)
                return
            }
        }
        guard var target = ConnectionTarget(parsing: given, defaultUser: settings.defaultUser, defaultPort: settings.defaultPort)
        else {
            throw CommandFailure(.usage, "open: '\(given)' is not [user@]host[:port]")
        }
        if let port { target.port = port }
        try connect(to: target)
    }

    /// Moves to a session's start directories, as `cd` and `lcd` would.
    public func enterStartDirectories(_ session: ResolvedSession) throws(CommandFailure) {
        if let local = session.localDirectory { try changeLocalDirectory(local) }
        if let remote = session.remoteDirectory { try changeRemoteDirectory(remote) }
    }

    /// `close`.
    func close() throws(CommandFailure) {
        guard connection != nil else { throw CommandFailure(.connection, "close: not connected to a host") }
        shutdown()
    }
}

/// Watches for Ctrl-C while a connection is being made, on a thread of its own (the connecting thread
/// is blocked in libssh2), and fires the connection's abort when it comes.
final class ConnectWatch: Sendable {
    let abort = ConnectionAbort()
    private let done = Atomic<Bool>(false)

    init(interruption: Interruption) {
        let thread = Thread { [self] in
            while !done.load(ordering: .relaxed) {
                if interruption.isRaised {
                    abort.fire()
                    return
                }
                usleep(50_000)
            }
        }
        thread.name = "ferry-connect-watch"
        thread.stackSize = 64 * 1024
        thread.start()
    }

    /// Ends the watch; an abort that already fired stays fired.
    func stop() { done.store(true, ordering: .relaxed) }
}
