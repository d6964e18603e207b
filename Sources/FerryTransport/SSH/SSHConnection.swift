import FerryBase
import Foundation

/// Everything needed to make an authenticated connection apart from the target.
public struct ConnectOptions {
    /// IP versions allowed.
    public var family: AddressFamily = .any
    /// Seconds allowed for the TCP connection.
    public var connectTimeout = 30
    /// Transport settings (compression, timeouts, keepalive).
    public var transport = TransportOptions()
    /// Login settings; `auth.user` is replaced by the target's user.
    public var auth: AuthOptions
    /// Host-key trust.
    public var verifier: HostKeyVerifier
    /// Receives `-v` lines.
    public var log: (String) -> Void = { _ in }
    /// Receives warnings a person should see even without `-v` (an unreadable known_hosts line).
    public var warn: (String) -> Void = { _ in }
    /// The proxy to go through, if any (to the first jump host when there are jump hosts).
    public var proxy: ProxySettings?
    /// SSH jump hosts, in order: the connection goes through each one's `direct-tcpip` channel.
    public var jumps: [JumpHost] = []
    /// Stops this connection: Ctrl-C while it is being made, a cut (a host past its time limit) at
    /// any time. Every socket the connection makes is registered with it.
    public var cancellation: Cancellation?

    /// Creates options.
    public init(auth: AuthOptions, verifier: HostKeyVerifier) {
        self.auth = auth
        self.verifier = verifier
    }
}

/// One SSH jump host: where it is and how to log in to it (its own key is checked like any host's).
public struct JumpHost {
    public var target: ConnectionTarget
    public var options: ConnectOptions

    /// Creates a jump host.
    public init(target: ConnectionTarget, options: ConnectOptions) {
        self.target = target
        self.options = options
    }
}

/// What a further connection to an already verified host needs: all values, safe to hand to another thread.
public struct ReconnectRecipe: Sendable {
    public var target: ConnectionTarget
    public var family: AddressFamily
    public var connectTimeout: Int
    public var transport: TransportOptions
    /// The key the first connection verified; a further connection must present the same one.
    public var hostKeyFingerprint: String
    public var credential: Credential
    public var proxy: ProxySettings?
    /// The jump hosts' own recipes, in order.
    public var jumps: [ReconnectRecipe] = []
}

/// An authenticated SSH connection and, once something needs it, its SFTP channel.
public final class SSHConnection {
    public let target: ConnectionTarget
    public let session: SSHSession
    private var openedSFTP: SFTPClient?
    public let hostKey: HostKey
    /// How to make another connection like this one without asking anybody anything.
    public let recipe: ReconnectRecipe
    /// This connection's place under the cap on open connections.
    private let slot: SessionGate.Slot

    private init(
        target: ConnectionTarget, session: SSHSession, hostKey: HostKey, recipe: ReconnectRecipe,
        slot: SessionGate.Slot
    ) {
        self.slot = slot
        self.target = target
        self.session = session
        self.hostKey = hostKey
        self.recipe = recipe
    }

    /// The SFTP channel, started on first use: a connection that only runs remote commands never starts
    /// one, which spares the server a subsystem process per host in a run over many hosts. A channel an
    /// unreadable answer has put out of step is closed and a new one started.
    public var sftp: SFTPClient {
        get throws {
            if let openedSFTP, !openedSFTP.isBroken { return openedSFTP }
            openedSFTP = nil
            let started = try SFTPClient(session: session)
            openedSFTP = started
            return started
        }
    }

    /// Connects (through any proxy and jump hosts), checks the host key, logs in and starts SFTP.
    ///
    /// It first waits for a free slot under ``SessionGate/shared``.
    public static func open(_ target: ConnectionTarget, options: ConnectOptions) throws -> SSHConnection {
        let waiting = { (limit: Int) in
            options.log("waiting for one of the \(limit) open connections (--max-sessions) to close")
        }
        // The last wall before any name reaches a socket, a proxy or a shell: whatever let it in.
        let target = try target.validated()
        var options = options
        options.jumps = try options.jumps.map { hop throws(TargetNameError) in
            var hop = hop
            hop.target = try hop.target.validated()
            return hop
        }
        guard let slot = SessionGate.shared.acquire(cancellation: options.cancellation, waiting: waiting) else {
            throw ConnectionError.failed(host: target.host, port: target.port, reason: "stopped while waiting")
        }
        // A host's time limit counts from here.
        options.cancellation?.startClock()
        var jumpRecipes: [ReconnectRecipe] = []
        var sockets: [TCPSocket] = []
        let socket = try carrier(to: target, options: options, recipes: &jumpRecipes, sockets: &sockets)
        let (session, key, credential, transport) = try login(target, over: socket, options: options)
        for made in sockets { made.settle() }
        var recipe = ReconnectRecipe(
            target: target, family: options.family, connectTimeout: options.connectTimeout,
            transport: transport, hostKeyFingerprint: key.sha256Fingerprint,
            credential: credential, proxy: options.proxy)
        recipe.jumps = jumpRecipes
        return SSHConnection(target: target, session: session, hostKey: key, recipe: recipe, slot: slot)
    }

    /// The socket SSH to `target` runs over: direct or through the proxy, or a tunnel through the jump hosts.
    private static func carrier(
        to target: ConnectionTarget, options: ConnectOptions, recipes: inout [ReconnectRecipe],
        sockets: inout [TCPSocket]
    ) throws -> TCPSocket {
        let first = options.jumps.first?.target ?? target
        options.log("connecting to \(first.host) port \(first.port)")
        var socket: TCPSocket
        do {
            socket = try ProxyDialer.connect(
                host: first.host, port: first.port, via: options.proxy, family: options.family,
                timeout: options.connectTimeout, cancellation: options.cancellation, log: options.log)
            sockets.append(socket)
        } catch let error as ConnectionError where !options.jumps.isEmpty {
            throw ProxyError.jumpFailed(hop: first.description, reason: error.description)
        }
        for (index, hop) in options.jumps.enumerated() {
            let next = index + 1 < options.jumps.count ? options.jumps[index + 1].target : target
            do {
                var hopOptions = hop.options
                hopOptions.log = { options.log("jump \(hop.target): \($0)") }
                hopOptions.warn = options.warn
                let (session, key, credential, transport) = try login(hop.target, over: socket, options: hopOptions)
                recipes.append(
                    ReconnectRecipe(
                        target: hop.target, family: options.family, connectTimeout: options.connectTimeout,
                        transport: transport, hostKeyFingerprint: key.sha256Fingerprint, credential: credential))
                options.log("jump \(hop.target): opening a channel to \(next.host) port \(next.port)")
                socket = try JumpTunnel.open(
                    through: session, hopName: hop.target.description, to: next.host, port: next.port)
                // Each socket is registered where it is made: TCP ones by TCPSocket, a proxy command's by
                // ProxyDialer, a tunnel's here.
                socket.register(with: options.cancellation)
                sockets.append(socket)
            } catch let error as ProxyError {
                throw error
            } catch {
                throw ProxyError.jumpFailed(hop: hop.target.description, reason: "\(error)")
            }
        }
        return socket
    }

    /// Handshake, host key and login over `socket`.
    private static func login(_ target: ConnectionTarget, over socket: TCPSocket, options: ConnectOptions) throws
        -> (SSHSession, HostKey, Credential, TransportOptions)
    {
        let log = options.log
        var transport = options.transport
        transport.preferredHostKeyTypes = options.verifier.preferredTypes(host: target.host, port: target.port)
        let session = try handshake(target, socket: socket, transport: transport, proxy: options.proxy)
        for (kind, method) in session.negotiatedMethods.sorted(by: { $0.key < $1.key }) {
            log("\(kind): \(method)")
            if Algorithms.legacyNames.contains(method) {
                options.warn("\(target.host): using the legacy \(kind) algorithm \(method) (--legacy-algorithms)")
            }
        }
        if LibSSH2.bulkKeystream, session.negotiatedMethods.values.contains(where: { $0.hasSuffix("-ctr") }) {
            log("cipher keystream: made in bulk by OpenSSL's AES-CTR (FERRY_CTR_PROVIDER=off turns this off)")
        }
        let key = try session.hostKey()
        log("host key: \(key.algorithm) \(key.sha256Fingerprint)")
        try options.verifier.verify(host: target.host, port: target.port, key: key, warn: options.warn)
        var auth = options.auth
        auth.user = target.user
        let credential = try session.authenticate(host: target.host, options: auth, log: log)
        log("authenticated as \(target.user)")
        return (session, key, credential, transport)
    }

    /// Makes another connection from a recipe, refusing any host key but the one recorded; its sockets
    /// are registered with `cancellation`, like the first connection's. `slot` is its place under the
    /// cap on open connections, taken beforehand with ``SessionGate/acquireFree(upTo:)``.
    public static func open(_ recipe: ReconnectRecipe, slot: SessionGate.Slot, cancellation: Cancellation?) throws
        -> SSHConnection
    {
        let first = recipe.jumps.first?.target ?? recipe.target
        var socket = try ProxyDialer.connect(
            host: first.host, port: first.port, via: recipe.proxy, family: recipe.family,
            timeout: recipe.connectTimeout, cancellation: cancellation)
        var sockets = [socket]
        for (index, hop) in recipe.jumps.enumerated() {
            let next = index + 1 < recipe.jumps.count ? recipe.jumps[index + 1].target : recipe.target
            let session = try replay(hop, over: socket)
            socket = try JumpTunnel.open(
                through: session, hopName: hop.target.description, to: next.host, port: next.port)
            socket.register(with: cancellation)
            sockets.append(socket)
        }
        let session = try replay(recipe, over: socket)
        for made in sockets { made.settle() }
        let connection = SSHConnection(
            target: recipe.target, session: session, hostKey: try session.hostKey(), recipe: recipe, slot: slot)
        // Extra connections exist to move files: start SFTP now, so a refusal shows at once.
        _ = try connection.sftp
        return connection
    }

    private static func replay(_ recipe: ReconnectRecipe, over socket: TCPSocket) throws -> SSHSession {
        let target = recipe.target
        let session = try handshake(target, socket: socket, transport: recipe.transport, proxy: recipe.proxy)
        let key = try session.hostKey()
        try HostKeyVerifier(pins: [recipe.hostKeyFingerprint], knownHostsPath: "", prompter: nil)
            .verify(host: target.host, port: target.port, key: key)
        try session.authenticate(user: target.user, host: target.host, replaying: recipe.credential)
        return session
    }

    /// Runs the SSH handshake; when it fails over a proxy, the proxy's side of the story is told, and
    /// otherwise the failure is a connection's (the host never became an SSH server to talk to).
    private static func handshake(
        _ target: ConnectionTarget, socket: TCPSocket, transport: TransportOptions, proxy: ProxySettings?
    ) throws -> SSHSession {
        do {
            return try SSHSession(socket: socket, options: transport)
        } catch {
            if let proxy, let reason = socket.diagnose?() {
                throw ProxyError.commandFailed(proxy: proxy.label, reason: reason)
            }
            if let error = error as? LibSSH2Error {
                var reason = error.description
                if error.isKeyExchangeFailure, !transport.legacyAlgorithms {
                    reason +=
                        "; the server may offer only algorithms OpenSSH no longer uses by default"
                        + " (--legacy-algorithms allows them)"
                }
                throw ConnectionError.handshake(host: target.host, port: target.port, reason: reason)
            }
            throw error
        }
    }

    /// Closes the SFTP channel and the connection.
    public func close() {
        session.disconnect()
        slot.release()
    }
}
