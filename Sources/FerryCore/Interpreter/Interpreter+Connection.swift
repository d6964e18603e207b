import FerryBase
import FerrySessions
import FerryTransfer
import FerryTransport
import Foundation

extension Interpreter {
    /// Connects to `target`, replacing any open connection.
    func connect(to target: ConnectionTarget, options: ConnectOptions? = nil) throws(CommandFailure) {
        disconnect()
        var options = options ?? settings.connect
        options.warn = { [console] in console.report("warning: \($0)") }
        // Ctrl-C while connecting shuts the connecting sockets down, which ends the attempt at once.
        if options.cancellation == nil { options.cancellation = settings.cancellation }
        let cancellation = options.cancellation
        let opened: SSHConnection
        do {
            opened = try SSHConnection.open(target, options: options)
        } catch {
            if cancellation?.isCancelled == true { throw CommandFailure.interrupted("open \(target.host)") }
            throw CommandFailure(error, context: "\(target.host)")
        }
        if cancellation?.isCancelled == true {
            opened.close()
            throw CommandFailure.interrupted("open \(target.host)")
        }
        connection = opened
        facts = ConnectionFacts()
        emitConnected(opened)
        remoteDirectoryKnown = false
        if settings.announcesRemoteDirectory {
            _ = try sftp("open")
            console.print("Remote working directory is \(remoteDirectory)")
        }
    }

    /// `open [user@]host[:port] [port]`.
    func open(_ given: String?, port: Int?) throws(CommandFailure) {
        if connection != nil {
            // A command that ran at the wrong moment, not a usage error (status 2 means nothing ran).
            throw CommandFailure(
                .connection,
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
                facts.inPlace = found.settings.inPlace ?? false
                facts.verify = found.settings.verify ?? false
                bandwidth.setConfiguredCaps(found.settings.bandwidthHost ?? .none)
                try enterStartDirectories(found)
                return
            }
        }
        var target: ConnectionTarget
        do {
            target = try ConnectionTarget.parse(
                given, defaultUser: settings.defaultUser, defaultPort: settings.defaultPort)
        } catch {
            throw CommandFailure(.usage, "open: \(error)")
        }
        if let port { target.port = port }
        try connect(to: target)
    }

    /// Moves to a session's start directories, as `cd` and `lcd` would.
    public func enterStartDirectories(_ session: ResolvedSession) throws(CommandFailure) {
        if let local = session.settings.localDirectory { try changeLocalDirectory(local) }
        if let remote = session.settings.remoteDirectory { try changeRemoteDirectory(remote) }
    }

    /// The `connected` event: what the transport agreed on and the host key.
    func emitConnected(_ opened: SSHConnection) {
        guard let events = settings.events else { return }
        var event = FerryEvent(.connected, host: hostName)
        event.methods = opened.session.negotiatedMethods
        event.hostKey = "\(opened.hostKey.algorithm) \(opened.hostKey.sha256Fingerprint)"
        events.emit(event)
    }

    /// The `close` command: says goodbye to the host, or fails when there is none.
    func closeCommand() throws(CommandFailure) {
        guard connection != nil else { throw CommandFailure(.connection, "close: not connected to a host") }
        disconnect()
    }
}
