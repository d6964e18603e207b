import FerryBase
import FerryCore
import FerryScript
import FerrySessions
import FerryTransfer
import FerryTransport
import Foundation

/// Turns an ``Invocation`` into what runs: the settings of one host's interpreter, or the hosts of a run
/// over many. The command line wins over a saved session, which wins over Ferry's defaults.
public struct Setup {
    public let invocation: Invocation
    /// Merges the command line with saved sessions.
    public let resolver: SessionResolver
    /// Where saved sessions are found.
    public let store: ProfileStore
    /// The one host named on the command line, as a layer over the command line's options.
    let targetLayer: ConnectionSettings?
    /// The run's transfer budget (`--bwlimit`), shared by every host; nil when there is none.
    let bandwidth: RunBandwidth?

    /// Prepares the set-up; `prompter` asks a person for passwords and host keys (nil: never ask), and
    /// `log` receives `-v` lines.
    public init(
        _ invocation: Invocation, prompter: (any CredentialPrompter & HostKeyPrompter)?,
        log: @escaping (String) -> Void
    ) throws(SetupError) {
        self.invocation = invocation
        bandwidth = invocation.bandwidth.ifAny.map(RunBandwidth.init(caps:))
        let environment = invocation.environment
        var auth = AuthOptions(user: invocation.defaultUser)
        auth.useAgent = invocation.useAgent
        auth.defaultIdentityFiles = ["id_ed25519", "id_ecdsa", "id_rsa"].map { "\(invocation.home)/.ssh/\($0)" }
        auth.passphrase = environment["FERRY_PASSPHRASE"]
        auth.prompter = prompter
        let verifier = HostKeyVerifier(
            pins: [], knownHostsPath: "\(invocation.home)/.ssh/known_hosts", prompter: prompter)
        var base = ConnectOptions(auth: auth, verifier: verifier)
        base.family = invocation.family
        base.log = log

        if let user = invocation.settings.user {
            do {
                try TargetName.user(user)
            } catch {
                throw SetupError(["ferry: -l: \(error)"])
            }
        }
        if !invocation.runsOnManyHosts, let target = invocation.targets.first {
            do {
                targetLayer = try ConnectionSettings(naming: target)
            } catch {
                throw SetupError(["ferry: \(error)"])
            }
        } else {
            targetLayer = nil
        }
        var resolver = SessionResolver(
            commandLine: invocation.settings, base: base, defaultUser: invocation.localUser, environment: environment,
            home: invocation.home)
        let store = ProfileStore(
            explicit: invocation.sessionsFolder, environment: environment,
            currentDirectory: invocation.currentDirectory, home: invocation.home)
        resolver.lookup = { name throws(ProfileError) in store.knows(name) ? try store.load(name) : nil }
        resolver.sshConfig = store.sshConfig
        self.resolver = resolver
        self.store = store
    }

    /// The settings of the one host's interpreter (there may be no host yet: `open` names it later),
    /// and the session they came from, for its start directories.
    public func singleHost(cancellation: Cancellation) throws(SetupError) -> (InterpreterSettings, ResolvedSession) {
        let session: ResolvedSession
        do {
            let profile = try invocation.sessionsToLoad.first.map { name throws(ProfileError) in
                try store.load(name)
            }
            session = try resolver.resolve(profile, target: targetLayer)
        } catch {
            throw SetupError(["ferry: \(error)"])
        }
        if let name = invocation.sessionsToLoad.first, session.target == nil {
            throw SetupError(["ferry: session '\(name)' names no host"])
        }
        var settings = settings(for: session)
        if invocation.diagnostics != nil {
            settings.diagnosticsRoot = invocation.diagnosticsRoot
            settings.alwaysReport = true
        }
        settings.cancellation = cancellation
        let sessions = store
        let merger = resolver
        settings.sessionNames = { sessions.list().map(\.name) }
        settings.sessionLookup = { name throws(ProfileError) in
            guard sessions.knows(name) else { return nil }
            return try merger.resolve(try sessions.load(name))
        }
        return (settings, session)
    }

    /// A host's interpreter settings: its session's connection options and the command line's rest.
    func settings(for session: ResolvedSession) -> InterpreterSettings {
        var settings = InterpreterSettings(defaultUser: invocation.defaultUser, connect: session.options)
        settings.defaultPort = invocation.settings.port ?? 22
        settings.transferConnections = invocation.transferConnections
        settings.streams = invocation.streams
        settings.inPlaceUploads = session.settings.inPlace ?? false
        settings.verify = session.settings.verify ?? false
        settings.retries = session.settings.retries ?? 3
        settings.events = invocation.events
        settings.checkOnly = invocation.checkOnly
        settings.parameters = invocation.parameters
        if invocation.checkOnly { settings.writesReport = false }
        settings.initialTarget = session.target
        settings.bandwidth = HostBandwidth(run: bandwidth, configured: session.settings.bandwidthHost ?? .none)
        return settings
    }

    /// Reads and parses the batch file at `path` (`-` is standard input; pipes such as `/dev/stdin`
    /// work too), replacing the references to `parameters`; every error in it is reported at once,
    /// before anything connects.
    public static func loadScript(
        _ path: String, parameters: ScriptParameters = ScriptParameters()
    ) throws(SetupError) -> Script {
        let data: Data
        do {
            data =
                path == "-"
                ? try BoundedFile.read(descriptor: 0, path: path, limit: BoundedFile.Limit.script)
                : try BoundedFile.read(path, limit: BoundedFile.Limit.script)
        } catch {
            throw SetupError(["ferry: batch file \(path): \(error.reason)"])
        }
        let text = String(decoding: data, as: UTF8.self)
        do {
            return try ScriptParser.parse(text, file: path, parameters: parameters)
        } catch {
            let count = error.diagnostics.count
            throw SetupError(
                error.diagnostics.map(\.description)
                    + ["ferry: \(count) error\(count == 1 ? "" : "s") in \(path); nothing was run"])
        }
    }
}
