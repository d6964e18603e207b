import ArgumentParser
import FerryCore
import FerryScript
import FerrySessions
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
        @Option(help: "Environment variable holding the login password.") var passwordEnv: String?
        @Option(help: "File holding the login password (owner-only).") var passwordFile: String?
        @Option(help: "Proxy URL: http://, socks4://, socks4a://, socks5://, telnet://.") var proxy: String?
        @Option(help: "Environment variable holding the proxy password.") var proxyPasswordEnv: String?
        @Option(help: "Proxy command (%host and %port are replaced).") var proxyCommand: String?
        @Option(help: "Remote directory to start in.") var remoteDirectory: String?
        @Option(help: "Local directory to start in.") var localDirectory: String?
        @Option(help: "Whether uploads write the target itself (true) or a hidden part renamed into place.")
        var inplace: Bool?
        @Option(help: "Whether every transfer's SHA-256 is compared on both sides (true) or not.")
        var verify: Bool?
        @Option(help: "Whether the algorithms OpenSSH no longer offers by default are offered too (true) or not.")
        var legacyAlgorithms: Bool?

        func run() throws {
            let store = location.store
            var edit = ProfileEdit()
            (edit.host, edit.port, edit.user, edit.knownHosts) = (host, port, user, knownHosts)
            (edit.identityFiles, edit.hostKeys) = (identity, hostkey)
            (edit.passwordEnvironment, edit.passwordFile) = (passwordEnv, passwordFile)
            (edit.proxy, edit.proxyPasswordEnvironment, edit.proxyCommand) = (proxy, proxyPasswordEnv, proxyCommand)
            (edit.remoteDirectory, edit.localDirectory) = (remoteDirectory, localDirectory)
            edit.inPlace = inplace
            edit.verify = verify
            edit.legacyAlgorithms = legacyAlgorithms
            let profile: Profile
            do {
                profile = try edit.applied(to: (try? store.load(name)) ?? Profile(name: name))
            } catch {
                throw ValidationError(error.description)
            }
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
