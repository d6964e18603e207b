import Foundation

extension Interpreter {
    /// Connects to `target`, replacing any open connection.
    func connect(to target: ConnectionTarget, options: ConnectOptions? = nil) throws(CommandFailure) {
        shutdown()
        let opened: SSHConnection
        do {
            opened = try SSHConnection.open(target, options: options ?? settings.connect)
        } catch {
            throw CommandFailure(error, context: "\(target.host)")
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
        guard var target = Self.parseTarget(given, defaultUser: settings.defaultUser, defaultPort: settings.defaultPort)
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

    /// Parses `[user@]host[:port]`, with IPv6 literals in brackets (`[::1]:2222`).
    public static func parseTarget(_ text: String, defaultUser: String, defaultPort: Int) -> ConnectionTarget? {
        var rest = Substring(text)
        var user = defaultUser
        if let at = rest.lastIndex(of: "@") {
            user = String(rest[..<at])
            rest = rest[rest.index(after: at)...]
            if user.isEmpty { return nil }
        }
        var host: String
        var port = defaultPort
        if rest.hasPrefix("[") {
            guard let close = rest.firstIndex(of: "]") else { return nil }
            host = String(rest[rest.index(after: rest.startIndex)..<close])
            let after = rest[rest.index(after: close)...]
            if after.hasPrefix(":") {
                guard let value = Int(after.dropFirst()), (1...65535).contains(value) else { return nil }
                port = value
            } else if !after.isEmpty {
                return nil
            }
        } else if rest.filter({ $0 == ":" }).count == 1, let colon = rest.firstIndex(of: ":") {
            host = String(rest[..<colon])
            guard let value = Int(rest[rest.index(after: colon)...]), (1...65535).contains(value) else { return nil }
            port = value
        } else {
            host = String(rest)
        }
        if host.isEmpty || host.contains(where: { $0 == " " || $0 == "/" }) { return nil }
        return ConnectionTarget(host: host, port: port, user: user)
    }
}
