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
                var profile = try location.store.load(name)
                if profile.password.value != nil { profile.password.value = "********" }
                if profile.proxy?.password.value != nil { profile.proxy?.password.value = "********" }
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

        func run() throws {
            let store = location.store
            var profile = (try? store.load(name)) ?? Profile(name: name)
            if let host { profile.host = host }
            if let port { profile.port = port }
            if let user { profile.user = user }
            if !identity.isEmpty { profile.identityFiles = identity }
            if !hostkey.isEmpty { profile.hostKeys = hostkey }
            if let knownHosts { profile.knownHosts = knownHosts }
            if let passwordEnv { profile.password = Profile.Secret(environment: passwordEnv) }
            if let passwordFile { profile.password = Profile.Secret(file: passwordFile) }
            if let remoteDirectory { profile.remoteDirectory = remoteDirectory }
            if let localDirectory { profile.localDirectory = localDirectory }
            if let proxy {
                guard let settings = ProxySettings(url: proxy) else {
                    throw ValidationError("--proxy \(proxy) is not a proxy URL such as http://host:3128")
                }
                var saved = Profile.Proxy(
                    kind: settings.kind, host: settings.host, port: settings.port,
                    user: settings.username)
                if settings.password != nil {
                    throw ValidationError("--proxy: put the proxy password in --proxy-password-env, not in the URL")
                }
                if let proxyPasswordEnv { saved.password = Profile.Secret(environment: proxyPasswordEnv) }
                profile.proxy = saved
            }
            if let proxyCommand {
                var saved = Profile.Proxy(kind: .command)
                saved.command = proxyCommand
                profile.proxy = saved
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
            let store = location.store
            var failed = false
            /// Saves one imported session unless a Ferry session of that name exists; reports what it did.
            func importOne(_ name: String, from source: String, load: () throws(ProfileError) -> Profile?) {
                guard ProfileStore.isValidName(name) else {
                    FileHandle.standardError.write(
                        Data("ferry: skipping \(source) '\(name)': not a usable name\n".utf8))
                    return
                }
                if FileManager.default.fileExists(atPath: store.saveFolder + "/\(name).yaml") {
                    print("kept \(store.saveFolder)/\(name).yaml (already there)")
                    return
                }
                do {
                    guard var profile = try load() else { return }
                    profile.path = nil
                    print("imported \(source) '\(name)' as \(try store.save(profile))")
                } catch {
                    failed = true
                    FileHandle.standardError.write(Data("ferry: \(error)\n".utf8))
                }
            }
            if let putty = store.putty {
                for name in putty.names() {
                    importOne(name, from: "PuTTY session") { () throws(ProfileError) in try putty.load(name) }
                }
            }
            if let config = store.sshConfig {
                for name in config.literalHosts {
                    importOne(name, from: "ssh_config host") { () throws(ProfileError) in
                        try config.profile(for: name, home: store.homeDirectory)
                    }
                }
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
