import FerryBase
import FerryTransport
import Foundation

/// What the command line said, each field nil when it said nothing, so a profile can fill the gaps.
public struct CommandLineSettings {
    public var target: ConnectionTarget?
    /// The host, user and port as typed (`user@host:port`), to know which parts were given.
    public var givenUser: String?
    public var givenPort: Int?
    public var identityFiles: [String] = []
    public var hostKeys: [String] = []
    public var knownHosts: String?
    public var compression = false
    public var legacyAlgorithms = false
    public var timeout: Int?
    public var password: String?
    public var proxy: ProxySettings?
    /// Jump hosts from `-J`, each `[user@]host[:port]` or a saved session's name.
    public var jumps: [String] = []

    /// Creates empty settings.
    public init() {}
}

/// A connection's settings after merging: command line, then profile, then Ferry's defaults.
public struct ResolvedSession {
    public var target: ConnectionTarget?
    public var options: ConnectOptions
    /// The profile's start directories, if it names them.
    public var remoteDirectory: String?
    public var localDirectory: String?
    /// Whether the profile asks uploads to write the target in place.
    public var inPlace = false
    /// Whether the profile asks every transfer to be verified (`verify: true`).
    public var verify = false
    /// The profile's `retries`, if it sets one.
    public var retries: Int?
}

/// Merges the command line with a saved session.
public struct SessionResolver {
    public var commandLine: CommandLineSettings
    /// Options with Ferry's defaults and everything that never comes from a profile (prompters, agent, log).
    public var base: ConnectOptions
    public var defaultUser: String
    public var environment: [String: String]
    public var home: String
    /// Finds a saved session by name, for jump hosts named by session.
    public var lookup: ((String) throws(ProfileError) -> Profile?)?

    /// Creates a resolver.
    public init(
        commandLine: CommandLineSettings, base: ConnectOptions, defaultUser: String,
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

    /// A jump host from a saved session's name, or from `[user@]host[:port]` with the options in force.
    func jumpHost(_ name: String, base options: ConnectOptions) throws(ProfileError) -> JumpHost {
        if Profile.mayBeSessionName(name), let profile = try lookup?(name), let host = profile.host {
            var inner = self
            inner.commandLine = CommandLineSettings()
            inner.commandLine.knownHosts = commandLine.knownHosts
            var resolved = try inner.resolve(profile)
            resolved.options.jumps = []
            let target = ConnectionTarget(host: host, port: profile.port ?? 22, user: profile.user ?? defaultUser)
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

    /// The settings for `profile` (or the command line alone when nil).
    public func resolve(_ profile: Profile?) throws(ProfileError) -> ResolvedSession {
        var options = base
        let line = commandLine
        options.auth.identityFiles =
            !line.identityFiles.isEmpty
            ? line.identityFiles
            : (profile?.identityFiles ?? []).map(expand)
        let pins = !line.hostKeys.isEmpty ? line.hostKeys : profile?.hostKeys ?? []
        let knownHosts = line.knownHosts ?? profile?.knownHosts.map(expand) ?? base.verifier.knownHostsPath
        options.verifier = HostKeyVerifier(pins: pins, knownHostsPath: knownHosts, prompter: base.verifier.prompter)
        options.transport.compression = line.compression || (profile?.compression ?? false)
        options.transport.legacyAlgorithms = line.legacyAlgorithms || (profile?.legacyAlgorithms ?? false)
        if let keepalive = profile?.keepalive { options.transport.keepaliveInterval = keepalive }
        // --timeout bounds every network wait; a profile's connect-timeout only the connecting (later
        // waits then keep at least libssh2's 60 s, so a slow server is not cut off mid-transfer).
        if let timeout = line.timeout {
            options.connectTimeout = timeout
            options.transport.timeout = timeout
        } else if let timeout = profile?.connectTimeout {
            options.connectTimeout = timeout
            options.transport.timeout = max(timeout, 60)
        }
        if let password = line.password {
            options.auth.password = password
        } else if let profile, options.auth.password == nil {
            options.auth.password = try ProfileStore.reveal(
                profile.password, profile: profile, what: "password",
                environment: environment)
        }
        options.proxy = line.proxy
        if options.proxy == nil, let profile, let proxy = profile.proxy {
            var settings = ProxySettings(
                kind: proxy.kind, host: proxy.host ?? "",
                port: proxy.port ?? ProxySettings.defaultPort(for: proxy.kind))
            settings.username = proxy.user
            settings.password =
                try ProfileStore.reveal(
                    proxy.password, profile: profile, what: "proxy password",
                    environment: environment)
                ?? (proxy.user != nil ? environment["FERRY_PROXY_PASSWORD"] : nil)
            settings.command = proxy.command
            settings.nameLookup = proxy.dns ?? .auto
            settings.exclude = proxy.exclude
            settings.proxyLocalhost = proxy.localhost ?? false
            options.proxy = settings
        }
        var target = line.target
        if let profile, line.target == nil, let host = profile.host {
            target = ConnectionTarget(
                host: host, port: line.givenPort ?? profile.port ?? 22,
                user: line.givenUser ?? profile.user ?? defaultUser)
        }
        // A proxy user without a password is asked for one, at a terminal, when the proxy will be used.
        if var proxy = options.proxy, let user = proxy.username, proxy.password == nil,
            let prompter = base.auth.prompter,
            let host = target?.host, proxy.applies(to: host)
        {
            proxy.password = prompter.proxyPassword(user: user, proxy: proxy.label)
            options.proxy = proxy
        }
        let jumpNames = !line.jumps.isEmpty ? line.jumps : profile?.jump ?? []
        options.jumps = try jumpNames.map { name throws(ProfileError) in try jumpHost(name, base: options) }
        return ResolvedSession(
            target: target, options: options, remoteDirectory: profile?.remoteDirectory,
            localDirectory: profile?.localDirectory.map(expand), inPlace: profile?.inPlace ?? false,
            verify: profile?.verify ?? false, retries: profile?.retries)
    }
}
