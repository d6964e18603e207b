import FerryBase
import FerryCore
import FerryScript
import FerrySessions
import FerryTransport
import Foundation
import Logging

/// Turns the parsed command line into FerryKit settings, runs the script or the prompt, returns the exit status.
struct FerryMain {
    let options: Ferry

    func run() -> Int32 {
        // First, before any other thread starts, so that every thread inherits the signals blocked.
        let watcher = InterruptWatcher.start()
        let status = run(watcher: watcher)
        // After SIGTERM or SIGHUP, whatever stopped, Ferry ends as a killed process would report it.
        if let cancellation = watcher?.cancellation, cancellation.terminationSignal != nil {
            return cancellation.exitStatus
        }
        return status
    }

    private func run(watcher: InterruptWatcher?) -> Int32 {
        let console = TerminalConsole()
        var script: Script?
        if let path = options.batchFile {
            // Read through a file handle so that `-b -` and `-b /dev/stdin` (pipes) work too.
            guard let handle = path == "-" ? FileHandle.standardInput : FileHandle(forReadingAtPath: path) else {
                let reason = FileManager.default.fileExists(atPath: path) ? "permission denied" : "no such file"
                console.report("ferry: batch file \(path): \(reason)")
                return FailureClass.usage.exitStatus
            }
            let text = String(decoding: handle.readDataToEndOfFile(), as: UTF8.self)
            do {
                script = try ScriptParser.parse(text, file: path)
            } catch {
                for diagnostic in error.diagnostics { console.report(diagnostic.description) }
                let count = error.diagnostics.count
                console.report("ferry: \(count) error\(count == 1 ? "" : "s") in \(path); nothing was run")
                return FailureClass.usage.exitStatus
            }
        }

        var logger = Logger(label: "ferry") { StreamLogHandler.standardError(label: $0) }
        logger.logLevel = options.verbose > 0 ? .info : .warning
        // -v lines name what the server offered (its method list, for one): shown with controls visible.
        let log: (String) -> Void = { [logger] in logger.info("\(ServerText.visible($0))") }

        let environment = ProcessInfo.processInfo.environment
        let localUser = environment["USER"] ?? environment["LOGNAME"] ?? "root"
        let defaultUser = options.user ?? localUser
        let home = (ProcessInfo.processInfo.environment["HOME"] ?? NSHomeDirectory())

        var auth = AuthOptions(user: defaultUser)
        auth.useAgent = !options.noAgent
        auth.defaultIdentityFiles = ["id_ed25519", "id_ecdsa", "id_rsa"].map { "\(home)/.ssh/\($0)" }
        auth.password = environment["FERRY_PASSWORD"]
        auth.passphrase = environment["FERRY_PASSPHRASE"]
        // Many hosts at once never ask anything: fifty host-key questions at once help nobody.
        let fleet = options.hostsFile != nil || options.targets.count + options.load.count > 1
        let asks = !options.batch && !fleet
        auth.prompter = asks ? TerminalPrompter() : nil
        let verifier = HostKeyVerifier(
            pins: [], knownHostsPath: "\(home)/.ssh/known_hosts", prompter: asks ? TerminalPrompter() : nil)
        var base = ConnectOptions(auth: auth, verifier: verifier)
        base.family = options.ipv4 ? .ipv4 : options.ipv6 ? .ipv6 : .any
        base.log = log

        var line = CommandLineSettings()
        line.identityFiles = options.identities
        line.hostKeys = options.hostKeys
        line.knownHosts = options.knownHosts
        line.compression = options.compression
        line.timeout = options.timeout
        line.password = options.password
        line.proxy = proxySettings(environment: environment)
        line.givenPort = options.port
        line.jumps =
            options.jumpHosts?.split(separator: ",").map {
                String($0).trimmingCharacters(in: .whitespaces)
            } ?? []
        if !fleet, let target = options.targets.first {
            // -P is the port unless the target names one itself, as -l is the user unless it has user@.
            guard
                let parsed = ConnectionTarget(
                    parsing: target, defaultUser: defaultUser, defaultPort: options.port ?? 22)
            else {
                console.report("ferry: '\(target)' is not [user@]host[:port]")
                return FailureClass.usage.exitStatus
            }
            line.target = parsed
            if target.contains("@") { line.givenUser = parsed.user }
        }
        if line.givenUser == nil { line.givenUser = options.user }
        var resolver = SessionResolver(
            commandLine: line, base: base, defaultUser: localUser,
            environment: environment, home: home)
        let store = ProfileStore(
            explicit: options.sessions, environment: environment,
            currentDirectory: FileManager.default.currentDirectoryPath, home: home)
        resolver.lookup = { name throws(ProfileError) in store.knows(name) ? try store.load(name) : nil }
        if fleet {
            let context = FleetContext(
                resolver: resolver, store: store, defaultUser: defaultUser, console: console, watcher: watcher)
            return runFleet(script, context)
        }
        let session: ResolvedSession
        do {
            session = try resolver.resolve(options.load.first.map { name throws(ProfileError) in try store.load(name) })
        } catch {
            console.report("ferry: \(error)")
            return FailureClass.usage.exitStatus
        }

        var settings = InterpreterSettings(defaultUser: defaultUser, connect: session.options)
        settings.defaultPort = options.port ?? 22
        settings.transferConnections = options.connections
        if let diagnostics = options.diagnostics {
            settings.diagnosticsRoot = PathRules.resolve(diagnostics, in: FileManager.default.currentDirectoryPath)
            settings.alwaysReport = true
        }
        settings.initialTarget = session.target
        if let watcher { settings.cancellation = watcher.cancellation }
        settings.sessionNames = { store.list().map(\.name) }
        settings.sessionLookup = { name throws(ProfileError) in
            guard store.knows(name) else { return nil }
            return try resolver.resolve(try store.load(name))
        }
        if let name = options.load.first, session.target == nil {
            console.report("ferry: session '\(name)' names no host")
            return FailureClass.usage.exitStatus
        }

        let interpreter = Interpreter(settings: settings, console: console)
        defer { interpreter.shutdown() }
        if settings.initialTarget != nil {
            do {
                try interpreter.connectInitialTarget()
                try interpreter.enterStartDirectories(session)
            } catch {
                console.report("ferry: \(error.message)")
                return error.failureClass.exitStatus
            }
        } else if script == nil {
            console.report("ferry: no hostname specified; use \"open host.name\" to connect")
        }
        if let script {
            return interpreter.run(
                script, options: BatchOptions(echo: options.echoCommands, keepGoing: options.keepGoing))
        }
        if isatty(STDIN_FILENO) == 1 {
            let state = environment["XDG_STATE_HOME"].flatMap { $0.hasPrefix("/") ? $0 : nil } ?? home + "/.local/state"
            guard let editor = LineEditor(historyPath: state + "/ferry/history", watcher: watcher) else {
                console.report("ferry: cannot set up line editing on this terminal")
                return FailureClass.usage.exitStatus
            }
            editor.complete = { interpreter.completion(for: $0) }
            editor.idle = { interpreter.keepAlive() }
            return interpreter.runPrompt(reader: editor)
        }
        // Commands piped in run as a batch, as OpenSSH sftp does.
        var text = ""
        while let line = Swift.readLine(strippingNewline: false) { text += line }
        do {
            let piped = try ScriptParser.parse(text, file: "<stdin>")
            return interpreter.run(
                piped, options: BatchOptions(echo: options.echoCommands, keepGoing: options.keepGoing))
        } catch {
            for diagnostic in error.diagnostics { console.report(diagnostic.description) }
            return FailureClass.usage.exitStatus
        }
    }
}

extension FerryMain {
    /// The proxy the command line asks for, if any.
    func proxySettings(environment: [String: String]) -> ProxySettings? {
        var settings: ProxySettings
        if let command = options.proxyCommand {
            settings = ProxySettings(kind: .command)
            settings.command = command
        } else if let url = options.proxy, let parsed = ProxySettings(url: url) {
            settings = parsed
            if settings.password == nil { settings.password = environment["FERRY_PROXY_PASSWORD"] }
        } else {
            return nil
        }
        settings.exclude =
            options.proxyExclude?.split(separator: ",").map {
                String($0).trimmingCharacters(in: .whitespaces)
            } ?? []
        settings.proxyLocalhost = options.proxyLocalhost
        settings.nameLookup = options.proxyDNS.flatMap(ProxySettings.NameLookup.init(rawValue:)) ?? .auto
        return settings
    }
}
