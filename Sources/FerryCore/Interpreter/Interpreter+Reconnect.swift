import FerryBase
import FerryScript
import FerryTransfer
import FerryTransport
import Foundation

extension Interpreter {
    /// Runs `command`; when the connection drops or stalls during it and `--retries` allows, reconnects
    /// the way the connection was made (same proxies and jump hosts, the same host key only, the
    /// login that worked), returns to the remote folder and runs the command again in a form that is
    /// safe to repeat: a transfer continues what arrived (a `reget`/`reput`, which checks it first), a
    /// listing or `cd` runs again; anything else (`run`, `rm`, `mkdir`, `mv`…) fails, since the server
    /// may have acted. Waits 1 s before the first attempt, doubling up to 30 s; `reconnects` counts
    /// the connections made again.
    func executeRetrying(_ command: Command, reconnects: inout Int, resumed: inout [String]) throws(CommandFailure)
        -> CommandOutcome
    {
        var current = command
        var attempt = 0
        let ledger = settings.retries > 0 ? RetryLedger() : nil
        defer { resumed = ledger?.resumed ?? [] }
        while true {
            let recipe = connection?.recipe
            let directory = remoteDirectoryKnown ? remoteDirectory : nil
            do {
                return settings.checkOnly ? try check(current) : try execute(current, ledger: ledger)
            } catch {
                guard error.failureClass == .connection, let recipe, let again = Self.repeatable(current) else {
                    throw error
                }
                guard attempt < settings.retries else {
                    throw settings.retries > 0 ? Self.givingUp(error, on: current) : error
                }
                var reason = error
                while true {
                    attempt += 1
                    let delay = min(Self.longestBackoff, 1 << (attempt - 1))
                    console.report(
                        "ferry: \(recipe.target.host): \(reason.message); reconnecting in \(delay) s"
                            + " (retry \(attempt) of \(settings.retries))")
                    if let events = settings.events {
                        var event = FerryEvent(.retry, host: hostName ?? recipe.target.host)
                        (event.attempt, event.delaySeconds, event.message) = (attempt, delay, reason.message)
                        events.emit(event)
                    }
                    if settings.cancellation.wait(seconds: Double(delay)) {
                        throw CommandFailure.interrupted("reconnect to \(recipe.target.host)")
                    }
                    do {
                        try reconnect(recipe, directory: directory)
                        break
                    } catch {
                        if error.failureClass == .interrupted { throw error }
                        if attempt >= settings.retries { throw Self.givingUp(error, on: current) }
                        reason = error
                    }
                }
                reconnects += 1
                ledger?.retrying = true
                current = again
            }
        }
    }

    /// The failure of a command whose retries ran out. A download's unfinished files stay under their
    /// hidden part names (`.NAME.ferry-part`), kept on purpose: the failure says that the same command
    /// with `-a` (or `reget`) continues them.
    static func givingUp(_ error: CommandFailure, on command: Command) -> CommandFailure {
        guard case .transfer(let transfer) = command, transfer.isDownload else { return error }
        var failure = CommandFailure(
            error.failureClass,
            error.message + "; what arrived is kept as .NAME.ferry-part beside each unfinished file, and"
                + " the same command with -a (or reget) continues it")
        failure.outcome = error.outcome
        failure.sftpStatus = error.sftpStatus
        return failure
    }

    /// The longest wait between two reconnection attempts (seconds).
    static let longestBackoff = 30

    /// `command` in the form that is safe to run again after a reconnect, or nil when it is not.
    static func repeatable(_ command: Command) -> Command? {
        switch command {
        case .transfer(var transfer):
            transfer.resume = true
            return .transfer(transfer)
        case .ls, .pwd, .cd, .collect: return command
        // The server may already have acted on these (or they need no connection): never repeated.
        // Listed one by one, so a new command must be placed.
        case .open, .close, .bye, .help, .lpwd, .lcd, .mkdir, .rmdir, .rm, .mv, .chmod, .local, .run, .verify,
            .mirror, .pingMTU, .barrier, .bwlimit:
            return nil
        }
    }

    /// Opens a new connection from `recipe` in place of the lost one and returns to `directory`.
    func reconnect(_ recipe: ReconnectRecipe, directory: String?) throws(CommandFailure) {
        forgetLostConnection()
        guard let slot = SessionGate.shared.acquire(cancellation: settings.cancellation) else {
            throw CommandFailure.interrupted("reconnect to \(recipe.target.host)")
        }
        let opened: SSHConnection
        do {
            opened = try SSHConnection.open(recipe, slot: slot, cancellation: settings.cancellation)
        } catch {
            slot.release()
            if settings.cancellation.isCancelled {
                throw CommandFailure.interrupted("reconnect to \(recipe.target.host)")
            }
            throw CommandFailure(error, context: recipe.target.host)
        }
        connection = opened
        emitConnected(opened)
        facts.roundTrip = nil
        if let directory {
            remoteDirectory = directory
            remoteDirectoryKnown = true
        } else {
            remoteDirectoryKnown = false
        }
    }
}
