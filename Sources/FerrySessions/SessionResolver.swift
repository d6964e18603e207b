import FerryBase
import FerryTransport
import Foundation

/// A connection's settings after stacking, and the options they make.
public struct ResolvedSession {
    /// Where to connect, when some layer names a host.
    public var target: ConnectionTarget?
    public var options: ConnectOptions
    /// The stacked settings, paths with `~` expanded: the start directories, `inplace`, `verify` and
    /// `retries` are read from here.
    public var settings: ConnectionSettings
}

/// Stacks a host's settings and turns them into ``ConnectOptions``.
///
/// The one order, lowest first: Ferry's defaults, `~/.ssh/config`'s `Host` of the session's name, the
/// saved session, the command line's options, the host's own name as written (`user@host:port`, on
/// the command line or a hosts file's line). Each layer is a ``ConnectionSettings``; each value
/// comes from the highest layer that gives one.
public struct SessionResolver {
    /// The command line's options (`-l`, `-P`, `-i`, `--proxy`, …).
    public var commandLine: ConnectionSettings
    /// Options with Ferry's defaults and everything that never comes from a profile (prompters, agent, log).
    public var base: ConnectOptions
    /// The login name when no layer gives one.
    public var defaultUser: String
    public var environment: [String: String]
    public var home: String
    /// Finds a saved session by name, for jump hosts named by session.
    public var lookup: ((String) throws(ProfileError) -> Profile?)?
    /// `~/.ssh/config`, whose `Host` of a session's name lies under that session.
    public var sshConfig: SSHConfig?

    /// Creates a resolver.
    public init(
        commandLine: ConnectionSettings, base: ConnectOptions, defaultUser: String,
        environment: [String: String], home: String
    ) {
        self.commandLine = commandLine
        self.base = base
        self.defaultUser = defaultUser
        self.environment = environment
        self.home = home
    }

    func expand(_ path: String) -> String {
        path == "~" ? home : path.hasPrefix("~/") ? home + path.dropFirst() : path
    }

    /// The layers for `profile` and a host named as `target`, stacked.
    public func stack(_ profile: Profile?, target: ConnectionSettings? = nil) throws(ProfileError)
        -> ConnectionSettings
    {
        var underlay: ConnectionSettings?
        if let profile, let sshConfig, profile.path != sshConfig.path {
            underlay = try sshConfig.profile(for: profile.name, home: home)?.settings
        }
        var settings = ConnectionSettings.stacked([underlay, profile?.settings, commandLine, target])
        settings.identityFiles = settings.identityFiles?.map(expand)
        settings.knownHosts = settings.knownHosts.map(expand)
        settings.localDirectory = settings.localDirectory.map(expand)
        return settings
    }

    /// The settings for `profile` (nil: none) and a host named as `target` (its host, and the port
    /// and user when written).
    public func resolve(_ profile: Profile?, target: ConnectionSettings? = nil) throws(ProfileError)
        -> ResolvedSession
    {
        let settings = try stack(profile, target: target)
        let source = profile.map { "session '\($0.name)'" } ?? "the command line"
        var options = base
        options.auth.identityFiles = settings.identityFiles ?? []
        options.verifier = HostKeyVerifier(
            pins: settings.hostKeys ?? [], knownHostsPath: settings.knownHosts ?? base.verifier.knownHostsPath,
            prompter: base.verifier.prompter)
        options.transport.compression = settings.compression ?? false
        options.transport.legacyAlgorithms = settings.legacyAlgorithms ?? false
        if let keepalive = settings.keepalive { options.transport.keepaliveInterval = keepalive }
        // A timeout bounds every network wait; connect-timeout only the connecting (later waits then
        // keep at least libssh2's 60 s, so a slow server is not cut off mid-transfer).
        if let timeout = settings.timeout {
            options.connectTimeout = timeout
            options.transport.timeout = timeout
        } else if let timeout = settings.connectTimeout {
            options.connectTimeout = timeout
            options.transport.timeout = max(timeout, 60)
        }
        if let password = settings.password {
            options.auth.password = try ProfileStore.reveal(
                password, source: source, what: "password", environment: environment)
        }
        options.proxy = try settings.proxy.map { proxy throws(ProfileError) in
            try proxySettings(proxy, source: source)
        }
        let target = settings.host.map { host in
            ConnectionTarget(host: host, port: settings.port ?? 22, user: settings.user ?? defaultUser)
        }
        // A proxy user without a password is asked for one, at a terminal, when the proxy will be used.
        if var proxy = options.proxy, let user = proxy.username, proxy.password == nil,
            let prompter = base.auth.prompter, let host = target?.host, proxy.applies(to: host)
        {
            proxy.password = prompter.proxyPassword(user: user, proxy: proxy.label)
            options.proxy = proxy
        }
        options.jumps = try (settings.jump ?? []).map { name throws(ProfileError) in
            try jumpHost(name, base: options)
        }
        return ResolvedSession(target: target, options: options, settings: settings)
    }

    /// The proxy a layer gave, its password revealed (or from `FERRY_PROXY_PASSWORD` when it names a user).
    func proxySettings(_ proxy: ConnectionSettings.Proxy, source: String) throws(ProfileError) -> ProxySettings {
        var settings = ProxySettings(
            kind: proxy.kind, host: proxy.host ?? "", port: proxy.port ?? ProxySettings.defaultPort(for: proxy.kind))
        settings.username = proxy.user
        settings.password =
            try ProfileStore.reveal(proxy.password, source: source, what: "proxy password", environment: environment)
            ?? (proxy.user != nil ? environment["FERRY_PROXY_PASSWORD"] : nil)
        settings.command = proxy.command
        settings.nameLookup = proxy.dns ?? .auto
        settings.exclude = proxy.exclude
        settings.proxyLocalhost = proxy.localhost ?? false
        return settings
    }

    /// A jump host from a saved session's name, or from `[user@]host[:port]` with the options in force.
    func jumpHost(_ name: String, base options: ConnectOptions) throws(ProfileError) -> JumpHost {
        if Profile.mayBeSessionName(name), let profile = try lookup?(name), profile.host != nil {
            // The session's own settings, with the command line's known_hosts and password only.
            var inner = self
            inner.commandLine = ConnectionSettings()
            (inner.commandLine.knownHosts, inner.commandLine.password) = (commandLine.knownHosts, commandLine.password)
            var resolved = try inner.resolve(profile)
            resolved.options.jumps = []
            guard let target = resolved.target else { throw ProfileError.invalidName(name) }
            return JumpHost(target: target, options: resolved.options)
        }
        let target: ConnectionTarget
        do {
            target = try ConnectionTarget.parse(name, defaultUser: defaultUser, defaultPort: 22)
        } catch {
            throw ProfileError.invalidJump(error)
        }
        var hop = options
        hop.jumps = []
        hop.proxy = nil
        // -hostkey pins name the final host's key; a jump host is checked against known_hosts.
        hop.verifier = HostKeyVerifier(
            pins: [], knownHostsPath: options.verifier.knownHostsPath, prompter: options.verifier.prompter)
        return JumpHost(target: target, options: hop)
    }
}
