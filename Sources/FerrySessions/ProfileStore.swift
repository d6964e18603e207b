import FerryBase
import Foundation

/// Where saved sessions live: `--sessions DIR`, then `./sessions`, then `$XDG_CONFIG_HOME/ferry/sessions`
/// (default `~/.config/ferry/sessions`). The first folder that holds `NAME.yaml` wins.
public struct ProfileStore: Sendable {
    /// The folders searched, in order.
    public var folders: [String]
    /// Where `save` writes.
    public var saveFolder: String
    /// PuTTY's sessions, consulted when no Ferry profile has the name.
    public var putty: PuTTYSessions?
    /// OpenSSH's client configuration, consulted after PuTTY's sessions.
    public var sshConfig: SSHConfig?
    let home: String
    /// The home folder `~` stands for.
    public var homeDirectory: String { home }

    /// The search path for the given `--sessions` folder and environment.
    public init(explicit: String?, environment: [String: String], currentDirectory: String, home: String) {
        let config = environment["XDG_CONFIG_HOME"].flatMap { $0.isEmpty ? nil : $0 } ?? home + "/.config"
        let user = config + "/ferry/sessions"
        folders = (explicit.map { [$0] } ?? []) + [currentDirectory + "/sessions", user]
        saveFolder = explicit ?? user
        putty = PuTTYSessions(environment: environment, home: home)
        sshConfig = SSHConfig(path: home + "/.ssh/config")
        self.home = home
    }

    /// Whether `name` is a usable session name.
    public static func isValidName(_ name: String) -> Bool {
        !name.isEmpty && !name.hasPrefix(".")
            && name.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || "+-.@_".contains($0)) }
    }

    /// The path of the file holding `name`, if any folder has one.
    public func path(of name: String) -> String? {
        folders.map { "\($0)/\(name).yaml" }.first { FileManager.default.fileExists(atPath: $0) }
    }

    /// Whether `name` is a Ferry session, a PuTTY session or a host named in `~/.ssh/config`.
    public func knows(_ name: String) -> Bool {
        (Self.isValidName(name) && path(of: name) != nil) || putty?.path(of: name) != nil
            || sshConfig?.literalHosts.contains(where: { $0.lowercased() == name.lowercased() }) == true
    }

    /// Reads the session `name`.
    public func load(_ name: String) throws(ProfileError) -> Profile {
        // PuTTY allows any session name; Ferry's own files need a plain one.
        guard let path = Self.isValidName(name) ? path(of: name) : nil else {
            if !Self.isValidName(name), putty?.path(of: name) == nil,
                sshConfig?.literalHosts.contains(name) != true
            {
                throw ProfileError.invalidName(name)
            }
            if let putty, let profile = try putty.load(name) {
                if profile.proxy?.password.value != nil, let file = profile.path, !Self.isPrivate(file) {
                    throw ProfileError.unsafeSecret(file: file, what: "a proxy password")
                }
                return profile
            }
            if let sshConfig, let profile = try sshConfig.profile(for: name, home: home) { return profile }
            throw ProfileError.notFound(
                name: name, searched: folders + (putty.map { [$0.folder] } ?? []) + (sshConfig.map { [$0.path] } ?? []))
        }
        let text: String
        do {
            text = String(decoding: try BoundedFile.read(path, limit: BoundedFile.Limit.profile), as: UTF8.self)
        } catch {
            throw ProfileError.invalid(file: path, line: 1, column: 1, message: "cannot read it: \(error.reason)")
        }
        let profile = try ProfileParser.parse(text, name: name, file: path)
        if profile.password?.value != nil || profile.proxy?.password.value != nil, !Self.isPrivate(path) {
            throw ProfileError.unsafeSecret(file: path, what: "a password")
        }
        return profile
    }

    /// Every session name found, with the file it comes from; a name in an earlier folder hides later ones.
    public func list() -> [(name: String, path: String)] {
        var seen: Set<String> = []
        var found: [(name: String, path: String)] = []
        for folder in folders {
            let names = (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []
            for file in names.sorted() where file.hasSuffix(".yaml") {
                let name = String(file.dropLast(5))
                if seen.insert(name).inserted { found.append((name, folder + "/" + file)) }
            }
        }
        return found.sorted { $0.name < $1.name }
    }

    /// Writes `profile` as `NAME.yaml` in the save folder (mode 0600), replacing any earlier one.
    @discardableResult
    public func save(_ profile: Profile) throws(ProfileError) -> String {
        guard Self.isValidName(profile.name) else { throw ProfileError.invalidName(profile.name) }
        let path = saveFolder + "/" + profile.name + ".yaml"
        if let (setting, error) = profile.settings.refusedName() {
            throw ProfileError.cannotWrite(path: path, reason: "\(setting): \(error)")
        }
        do {
            try FileManager.default.createDirectory(
                atPath: saveFolder, withIntermediateDirectories: true,
                attributes: [.posixPermissions: 0o700])
            let data = Data(ProfileText.yaml(profile).utf8)
            guard
                FileManager.default.createFile(
                    atPath: path + ".tmp", contents: data,
                    attributes: [.posixPermissions: 0o600])
            else { throw ProfileError.cannotWrite(path: path, reason: "cannot create the file") }
            if rename(path + ".tmp", path) != 0 {
                throw ProfileError.cannotWrite(path: path, reason: String(cString: strerror(errno)))
            }
        } catch let error as ProfileError {
            throw error
        } catch {
            throw ProfileError.cannotWrite(path: path, reason: error.localizedDescription)
        }
        return path
    }

    /// Removes the session `name`; returns the file removed.
    public func delete(_ name: String) throws(ProfileError) -> String {
        guard let path = path(of: name) else { throw ProfileError.notFound(name: name, searched: folders) }
        if unlink(path) != 0 { throw ProfileError.cannotWrite(path: path, reason: String(cString: strerror(errno))) }
        return path
    }

    /// Whether only the owner may read `path`.
    static func isPrivate(_ path: String) -> Bool {
        var info = stat()
        guard stat(path, &info) == 0 else { return false }
        return info.st_mode & 0o077 == 0
    }

    /// The secret a session (named `source`) names, from its environment variable, its file or its
    /// clear value.
    public static func reveal(
        _ secret: ConnectionSettings.Secret, source: String, what: String,
        environment: [String: String]
    ) throws(ProfileError) -> String? {
        if let variable = secret.environment {
            guard let value = environment[variable] else {
                throw ProfileError.secretUnavailable(
                    profile: source, what: what,
                    reason: "environment variable \(variable) is not set")
            }
            return value
        }
        if let file = secret.file {
            let path = (file as NSString).expandingTildeInPath
            let text: String
            do {
                text = String(decoding: try BoundedFile.read(path, limit: BoundedFile.Limit.secret), as: UTF8.self)
            } catch {
                throw ProfileError.secretUnavailable(profile: source, what: what, reason: "cannot read \(error)")
            }
            guard isPrivate(path) else { throw ProfileError.unsafeSecret(file: path, what: what) }
            return String(text.split(separator: "\n", omittingEmptySubsequences: false).first ?? "")
        }
        return secret.value
    }
}

/// Writes profiles as commented, stable YAML, in the order of ``ConnectionSettings/fields``.
public enum ProfileText {
    static func quote(_ text: String) -> String { "'" + text.replacingOccurrences(of: "'", with: "''") + "'" }

    /// The YAML a profile is saved as.
    public static func yaml(_ profile: Profile) -> String {
        var lines = ["# Ferry session '\(profile.name)'"]
        for field in ConnectionSettings.fields {
            lines += self.lines(field.key, field.kind, of: profile.settings)
        }
        return lines.joined(separator: "\n") + "\n"
    }

    private static func lines(
        _ key: String, _ kind: ConnectionSettings.Kind, of settings: ConnectionSettings
    ) -> [String] {
        switch kind {
        case .text(let path): line(key, settings[keyPath: path].map(quote))
        case .number(let path, _): line(key, settings[keyPath: path].map(String.init))
        case .flag(let path): line(key, settings[keyPath: path].map(String.init))
        case .list(let path, _): list(key, settings[keyPath: path] ?? [])
        case .secret(let path): secret(key, settings[keyPath: path] ?? ConnectionSettings.Secret())
        case .proxy(let path): settings[keyPath: path].map(proxy) ?? []
        case .caps(let path): line(key, settings[keyPath: path].map { quote($0.text) })
        }
    }

    private static func line(_ key: String, _ value: String?, indent: String = "") -> [String] {
        value.map { ["\(indent)\(key): \($0)"] } ?? []
    }

    private static func list(_ key: String, _ values: [String], indent: String = "") -> [String] {
        values.isEmpty ? [] : ["\(indent)\(key):"] + values.map { "\(indent)  - \(quote($0))" }
    }

    private static func secret(_ key: String, _ secret: ConnectionSettings.Secret, indent: String = "") -> [String] {
        line(key, secret.value.map(quote), indent: indent)
            + line(key + "-env", secret.environment.map(quote), indent: indent)
            + line(key + "-file", secret.file.map(quote), indent: indent)
    }

    private static func proxy(_ proxy: ConnectionSettings.Proxy) -> [String] {
        let indent = "  "
        return ["proxy:", "  type: \(proxy.kind.rawValue)"]
            + line("host", proxy.host.map(quote), indent: indent)
            + line("port", proxy.port.map(String.init), indent: indent)
            + line("user", proxy.user.map(quote), indent: indent)
            + secret("password", proxy.password, indent: indent)
            + line("command", proxy.command.map(quote), indent: indent)
            + line("dns", proxy.dns?.rawValue, indent: indent)
            + list("exclude", proxy.exclude, indent: indent)
            + line("localhost", proxy.localhost.map(String.init), indent: indent)
    }
}
