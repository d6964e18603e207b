import ArgumentParser
import FerryBase
import FerryCore
import FerryScript
import FerrySessions
import FerryTransfer
import FerryTransport
import Foundation

/// `ferry session list | show | save | delete`: manage saved sessions.
struct SessionCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ferry session", abstract: "Manage saved sessions (one YAML file per session).",
        subcommands: [List.self, Show.self, Save.self, Delete.self, Import.self])

    struct Location: ParsableArguments {
        @Option(
            name: .customLong("sessions"),
            help: ArgumentHelp("Folder searched first, and written to.", valueName: "dir"))
        var sessions: String?

        var store: ProfileStore {
            ProfileStore(
                explicit: sessions, environment: ProcessInfo.processInfo.environment,
                currentDirectory: FileManager.default.currentDirectoryPath,
                home: (ProcessInfo.processInfo.environment["HOME"] ?? NSHomeDirectory()))
        }
    }

    static func fail(_ error: ProfileError) -> ExitCode {
        FileHandle.standardError.write(Data("ferry: \(error)\n".utf8))
        return ExitCode(FailureClass.usage.exitStatus)
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List saved sessions and where they are.")
        @OptionGroup var location: Location

        func run() throws {
            for (name, path) in location.store.list() { print("\(name)\t\(path)") }
        }
    }

    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show a saved session, with secrets masked.")
        @OptionGroup var location: Location
        @Argument var name: String

        func run() throws {
            do {
                let profile = try location.store.load(name).masked
                print("# \(profile.path ?? name)")
                print(ProfileText.yaml(profile), terminator: "")
            } catch {
                throw SessionCommand.fail(error)
            }
        }
    }

    struct Save: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Save a session; options not given keep their values from an earlier save.")
        @OptionGroup var location: Location
        @Argument var name: String
        @Option(help: "Host name or address.") var host: String?
        @Option(help: "Port.") var port: Int?
        @Option(help: "Login name.") var user: String?
        @Option(name: .customShort("i"), help: "Private key file (repeatable).") var identity: [String] = []
        @Option(help: "Pinned host key fingerprint (repeatable).") var hostkey: [String] = []
        @Option(help: "known_hosts file.") var knownHosts: String?
        @Option(help: "Whether to ask for compression (true) or not.") var compression: Bool?
        @Option(help: "Whether the algorithms OpenSSH no longer offers by default are offered too (true) or not.")
        var legacyAlgorithms: Bool?
        @Option(help: "Seconds between keepalive messages (0: none).") var keepalive: Int?
        @Option(help: "Seconds the connecting may take.") var connectTimeout: Int?
        @Option(help: "Seconds any one wait on the network may take.") var timeout: Int?
        @Option(help: "Whether uploads write the target itself (true) or a hidden part renamed into place.")
        var inplace: Bool?
        @Option(help: "Whether every transfer's SHA-256 is compared on both sides (true) or not.")
        var verify: Bool?
        @Option(help: "Times a command reconnects after losing its connection.") var retries: Int?
        @Option(
            name: .customLong("bwlimit-host"),
            help: "Cap on this host's transfers: bytes a second with K, M or G, or down=RATE,up=RATE; off: none.")
        var bwlimitHost: String?
        @Option(help: "Remote directory to start in.") var remoteDirectory: String?
        @Option(help: "Local directory to start in.") var localDirectory: String?
        @Option(help: "Environment variable holding the login password.") var passwordEnv: String?
        @Option(help: "File holding the login password (owner-only).") var passwordFile: String?
        @Option(help: "Proxy URL: http://, socks4://, socks4a://, socks5://, telnet://.") var proxy: String?
        @Option(help: "Environment variable holding the proxy password (with --proxy).") var proxyPasswordEnv: String?
        @Option(help: "Proxy command (%host and %port are replaced).") var proxyCommand: String?
        @Option(help: "Jump hosts, comma-separated: [user@]host[:port] or saved session names.") var jump: String?

        func validate() throws {
            if let port, !(1...65535).contains(port) { throw ValidationError("--port \(port) is not a port number") }
            if proxy != nil && proxyCommand != nil {
                throw ValidationError("--proxy and --proxy-command cannot be used together")
            }
            if proxyPasswordEnv != nil && proxy == nil {
                throw ValidationError("--proxy-password-env goes with --proxy")
            }
            if passwordEnv != nil && passwordFile != nil {
                throw ValidationError("--password-env and --password-file cannot be used together")
            }
            if let bwlimitHost, BandwidthCaps(bwlimitHost) == nil {
                throw ValidationError("--bwlimit-host \(bwlimitHost): \(BandwidthCaps.expected)")
            }
            for (name, value, range) in [
                ("keepalive", keepalive, 0...86400), ("connect-timeout", connectTimeout, 1...3600),
                ("timeout", timeout, 1...86400), ("retries", retries, 0...100),
            ] {
                if let value, !range.contains(value) {
                    throw ValidationError("--\(name) must be between \(range.lowerBound) and \(range.upperBound)")
                }
            }
        }

        /// What this save changes, nil where it gives nothing (the saved value stays).
        func edit() throws -> ConnectionSettings {
            var edit = ConnectionSettings()
            (edit.host, edit.port, edit.user, edit.knownHosts) = (host, port, user, knownHosts)
            edit.identityFiles = identity.isEmpty ? nil : identity
            edit.hostKeys = hostkey.isEmpty ? nil : hostkey
            (edit.compression, edit.legacyAlgorithms) = (compression, legacyAlgorithms)
            (edit.keepalive, edit.connectTimeout, edit.timeout) = (keepalive, connectTimeout, timeout)
            (edit.inPlace, edit.verify, edit.retries) = (inplace, verify, retries)
            edit.bandwidthHost = bwlimitHost.flatMap { BandwidthCaps($0) }
            (edit.remoteDirectory, edit.localDirectory) = (remoteDirectory, localDirectory)
            if passwordEnv != nil || passwordFile != nil {
                edit.password = ConnectionSettings.Secret(environment: passwordEnv, file: passwordFile)
            }
            if let proxy {
                guard let parsed = ProxySettings(url: proxy) else {
                    throw ValidationError("--proxy \(proxy) is not a proxy URL such as http://host:3128")
                }
                if parsed.password != nil {
                    throw ValidationError("--proxy: put the proxy password in --proxy-password-env, not in the URL")
                }
                edit.proxy = ConnectionSettings.Proxy(
                    kind: parsed.kind, host: parsed.host, port: parsed.port, user: parsed.username)
                edit.proxy?.password = ConnectionSettings.Secret(environment: proxyPasswordEnv)
            }
            if let proxyCommand {
                edit.proxy = ConnectionSettings.Proxy(kind: .command)
                edit.proxy?.command = proxyCommand
            }
            edit.jump = jump.map(Ferry.commaList)
            return edit
        }

        func run() throws {
            let store = location.store
            var profile = (try? store.load(name)) ?? Profile(name: name)
            profile.settings = profile.settings.overlaid(by: try edit())
            do {
                print("saved \(try store.save(profile))")
            } catch {
                throw SessionCommand.fail(error)
            }
        }
    }

    struct Import: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Write PuTTY's saved sessions and ~/.ssh/config hosts as Ferry sessions (existing ones are kept)."
        )
        @OptionGroup var location: Location

        func run() throws {
            var failed = false
            for result in location.store.importOutsideSessions() {
                if result.isProblem {
                    FileHandle.standardError.write(Data((result.line + "\n").utf8))
                } else {
                    print(result.line)
                }
                if case .failed = result { failed = true }
            }
            if failed { throw ExitCode(FailureClass.usage.exitStatus) }
        }
    }

    struct Delete: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Delete a saved session.")
        @OptionGroup var location: Location
        @Argument var name: String

        func run() throws {
            do {
                print("deleted \(try location.store.delete(name))")
            } catch {
                throw SessionCommand.fail(error)
            }
        }
    }
}
