import Foundation

/// Where to connect: host, port and login name.
public struct ConnectionTarget: Sendable, Equatable, CustomStringConvertible {
    public var host: String
    public var port: Int
    public var user: String

    /// Creates a target.
    public init(host: String, port: Int = 22, user: String) {
        self.host = host
        self.port = port
        self.user = user
    }

    /// `user@host` with `:port` when it is not 22.
    public var description: String { "\(user)@\(host)" + (port == 22 ? "" : ":\(port)") }
}

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
    /// The proxy to go through, if any.
    public var proxy: ProxySettings?

    /// Creates options.
    public init(auth: AuthOptions, verifier: HostKeyVerifier) {
        self.auth = auth
        self.verifier = verifier
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
}

/// An authenticated SSH connection with its SFTP channel.
public final class SSHConnection {
    public let target: ConnectionTarget
    public let session: SSHSession
    public let sftp: SFTPClient
    public let hostKey: HostKey
    /// How to make another connection like this one without asking anybody anything.
    public let recipe: ReconnectRecipe

    private init(
        target: ConnectionTarget, session: SSHSession, sftp: SFTPClient, hostKey: HostKey,
        recipe: ReconnectRecipe
    ) {
        self.target = target
        self.session = session
        self.sftp = sftp
        self.hostKey = hostKey
        self.recipe = recipe
    }

    /// Connects, checks the host key, logs in and starts SFTP.
    public static func open(_ target: ConnectionTarget, options: ConnectOptions) throws -> SSHConnection {
        let log = options.log
        log("connecting to \(target.host) port \(target.port)")
        let socket = try ProxyDialer.connect(
            host: target.host, port: target.port, via: options.proxy, family: options.family,
            timeout: options.connectTimeout, log: log)
        var transport = options.transport
        transport.preferredHostKeyTypes = options.verifier.preferredTypes(host: target.host, port: target.port)
        let session = try handshake(socket: socket, transport: transport, proxy: options.proxy)
        for (kind, method) in session.negotiatedMethods.sorted(by: { $0.key < $1.key }) {
            log("\(kind): \(method)")
        }
        let key = try session.hostKey()
        log("host key: \(key.algorithm) \(key.sha256Fingerprint)")
        try options.verifier.verify(host: target.host, port: target.port, key: key)
        var auth = options.auth
        auth.user = target.user
        let credential = try session.authenticate(host: target.host, options: auth, log: log)
        log("authenticated as \(target.user)")
        let sftp = try SFTPClient(session: session)
        let recipe = ReconnectRecipe(
            target: target, family: options.family, connectTimeout: options.connectTimeout,
            transport: transport, hostKeyFingerprint: key.sha256Fingerprint,
            credential: credential, proxy: options.proxy)
        return SSHConnection(target: target, session: session, sftp: sftp, hostKey: key, recipe: recipe)
    }

    /// Makes another connection from a recipe, refusing any host key but the one recorded.
    public static func open(_ recipe: ReconnectRecipe) throws -> SSHConnection {
        let target = recipe.target
        let socket = try ProxyDialer.connect(
            host: target.host, port: target.port, via: recipe.proxy, family: recipe.family,
            timeout: recipe.connectTimeout)
        let session = try handshake(socket: socket, transport: recipe.transport, proxy: recipe.proxy)
        let key = try session.hostKey()
        try HostKeyVerifier(pins: [recipe.hostKeyFingerprint], knownHostsPath: "", prompter: nil)
            .verify(host: target.host, port: target.port, key: key)
        try session.authenticate(user: target.user, host: target.host, replaying: recipe.credential)
        let sftp = try SFTPClient(session: session)
        return SSHConnection(target: target, session: session, sftp: sftp, hostKey: key, recipe: recipe)
    }

    /// Runs the SSH handshake; when it fails over a proxy, the proxy's side of the story is told.
    private static func handshake(socket: TCPSocket, transport: TransportOptions, proxy: ProxySettings?) throws
        -> SSHSession
    {
        do {
            return try SSHSession(socket: socket, options: transport)
        } catch {
            if let proxy, let reason = socket.diagnose?() {
                throw ProxyError.commandFailed(proxy: proxy.label, reason: reason)
            }
            throw error
        }
    }

    /// Closes the SFTP channel and the connection.
    public func close() {
        session.disconnect()
    }
}
