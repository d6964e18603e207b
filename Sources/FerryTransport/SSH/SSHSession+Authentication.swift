internal import CLibSSH2
import Foundation

extension SSHSession {
    /// Whether the server has accepted a login.
    public var isAuthenticated: Bool { libssh2_userauth_authenticated(handle) != 0 }

    /// The methods the server accepts for `user`; empty once `none` authentication succeeded.
    func acceptedMethods(user: String) throws -> [String] {
        guard let list = libssh2_userauth_list(handle, user, UInt32(user.utf8.count)) else {
            if isAuthenticated { return [] }
            throw lastError("libssh2_userauth_list")
        }
        return String(cString: list).split(separator: ",").map(String.init)
    }

    /// Logs in as `options.user`, trying agent, key files, password and keyboard-interactive in turn.
    ///
    /// Returns the credential that worked. `log` receives one line per attempt for `-v`.
    public func authenticate(host: String, options: AuthOptions, log: (String) -> Void) throws -> Credential {
        let accepted = try acceptedMethods(user: options.user)
        if isAuthenticated { return .none }
        log("server accepts: \(accepted.joined(separator: ","))")
        var tried: [String] = []
        var firstKeyError: AuthenticationError?

        if accepted.contains("publickey") {
            if options.useAgent, ProcessInfo.processInfo.environment["SSH_AUTH_SOCK"] != nil {
                tried.append("agent")
                if tryAgent(user: options.user, log: log) { return .agent }
            }
            let explicit = !options.identityFiles.isEmpty
            for path in explicit ? options.identityFiles : options.defaultIdentityFiles {
                guard explicit || FileManager.default.fileExists(atPath: path) else { continue }
                do {
                    tried.append("publickey (\(path))")
                    if let passphrase = try tryKeyFile(path: path, options: options, log: log) {
                        return .key(path: path, passphrase: passphrase.isEmpty ? nil : passphrase)
                    }
                } catch let error as AuthenticationError {
                    if explicit, firstKeyError == nil { firstKeyError = error }
                    log("\(error)")
                }
            }
        }
        if accepted.contains("password") {
            var password = options.password
            if password == nil { password = options.prompter?.password(user: options.user, host: host) }
            if let password {
                tried.append("password")
                let result = ferry_userauth_password(handle, options.user, password)
                if result == 0 { return .password(password) }
                log("password rejected (\(lastError("libssh2_userauth_password_ex", code: result).reason))")
                try rethrowIfConnectionLost(result, "libssh2_userauth_password_ex")
            }
        }
        if accepted.contains("keyboard-interactive"), options.password != nil || options.prompter != nil {
            tried.append("keyboard-interactive")
            if let answers = try tryKeyboardInteractive(
                user: options.user, password: options.password,
                prompter: options.prompter, replay: nil)
            {
                return .keyboardInteractive(answers: answers)
            }
            log("keyboard-interactive rejected")
        }
        // A key the user named that could not even be offered is the clearest thing to report.
        if let firstKeyError { throw firstKeyError }
        throw AuthenticationError.rejected(user: options.user, host: host, tried: tried, serverAccepts: accepted)
    }

    /// Logs in again with a credential that already worked on another connection.
    public func authenticate(user: String, host: String, replaying credential: Credential) throws {
        // A credential that worked is tried at once, which saves asking what the server accepts.
        if case .none = credential {
            let accepted = try acceptedMethods(user: user)
            if isAuthenticated { return }
            throw AuthenticationError.rejected(user: user, host: host, tried: ["none (again)"], serverAccepts: accepted)
        }
        let ok: Bool
        switch credential {
        case .none: ok = false
        case .agent: ok = tryAgent(user: user, log: { _ in })
        case .key(let path, let passphrase):
            var options = AuthOptions(user: user)
            options.passphrase = passphrase ?? ""
            ok = (try? tryKeyFile(path: path, options: options, log: { _ in })) != nil
        case .password(let password):
            ok = ferry_userauth_password(handle, user, password) == 0
        case .keyboardInteractive(let answers):
            ok = (try? tryKeyboardInteractive(user: user, password: nil, prompter: nil, replay: answers)) != nil
        }
        if !ok {
            let accepted = (try? acceptedMethods(user: user)) ?? []
            throw AuthenticationError.rejected(
                user: user, host: host, tried: ["\(credential.methodName) (again)"],
                serverAccepts: accepted)
        }
    }

    /// Whether an RSA key refused with `rsa-sha2-256` is worth offering again with `ssh-rsa` (SHA-1).
    ///
    /// OpenSSH has taken `rsa-sha2-256` since 7.2: there a refusal means the key is not authorised, and
    /// a second try would only use up one of the server's `MaxAuthTries`. Other servers get the retry.
    var retriesRSAWithSHA1: Bool { Self.retriesRSAWithSHA1(banner: banner) }

    /// Whether the server, by its version, refuses `ssh-rsa` (SHA-1) signatures unless told otherwise
    /// (OpenSSH 8.8 and later).
    var refusesSHA1RSAByDefault: Bool {
        guard let version = Self.openSSHVersion(banner: banner) else { return false }
        return version >= (8, 8)
    }

    private var banner: String? { libssh2_session_banner_get(handle).map { String(cString: $0) } }

    /// ``retriesRSAWithSHA1`` for a server that sent `banner` (`SSH-2.0-OpenSSH_9.2p1 Debian-2`).
    static func retriesRSAWithSHA1(banner: String?) -> Bool {
        guard let version = openSSHVersion(banner: banner) else { return true }
        return version < (7, 2)
    }

    /// The OpenSSH major and minor version a server's banner names, or nil for other servers.
    static func openSSHVersion(banner: String?) -> (Int, Int)? {
        guard let banner, let range = banner.range(of: "OpenSSH_") else { return nil }
        let version = banner[range.upperBound...].prefix { $0.isNumber || $0 == "." }.split(separator: ".")
        guard let major = version.first.flatMap({ Int($0) }) else { return nil }
        return (major, version.dropFirst().first.flatMap { Int($0) } ?? 0)
    }

    private func rethrowIfConnectionLost(_ result: Int32, _ call: String) throws {
        let error = lastError(call, code: result)
        if error.isConnectionLost { throw error }
    }

    private func tryAgent(user: String, log: (String) -> Void) -> Bool {
        guard let agent = libssh2_agent_init(handle) else { return false }
        defer {
            libssh2_agent_disconnect(agent)
            libssh2_agent_free(agent)
        }
        guard libssh2_agent_connect(agent) == 0, libssh2_agent_list_identities(agent) == 0 else {
            log("ssh-agent not reachable")
            return false
        }
        let socket = ProcessInfo.processInfo.environment["SSH_AUTH_SOCK"]
        var previous: UnsafeMutablePointer<libssh2_agent_publickey>?
        while true {
            var identity: UnsafeMutablePointer<libssh2_agent_publickey>?
            guard libssh2_agent_get_identity(agent, &identity, previous) == 0, let identity else { return false }
            let comment = identity.pointee.comment.map { String(cString: $0) } ?? "key"
            let blob = Data(bytes: identity.pointee.blob, count: Int(identity.pointee.blob_len))
            let rsa = socket.flatMap { AgentRSASigner(socketPath: $0, keyBlob: blob) }
            if let rsa, rsa.authenticate(session: self, user: user) == 0 {
                log("agent key \(comment) accepted (rsa-sha2-256)")
                return true
            }
            if rsa == nil || retriesRSAWithSHA1 {
                if rsa != nil { log("agent key \(comment) refused with rsa-sha2-256; trying ssh-rsa") }
                if libssh2_agent_userauth(agent, user, identity) == 0 {
                    log("agent key \(comment) accepted")
                    return true
                }
            }
            log("agent key \(comment) refused")
            previous = identity
        }
    }

    /// The passphrase for an encrypted key file ("" for one that is not): from FERRY_PASSPHRASE, else asked.
    fileprivate static func passphrase(for path: String, encrypted: Bool, options: AuthOptions) throws -> String {
        guard encrypted else { return "" }
        guard let given = options.passphrase ?? options.prompter?.passphrase(keyPath: path) else {
            throw AuthenticationError.unreadableKey(path: path, reason: PrivateKeyFile.noPassphraseGiven)
        }
        return given
    }

    /// Offers one key file; returns the passphrase used ("" for none) on success, nil when refused.
    private func tryKeyFile(path: String, options: AuthOptions, log: (String) -> Void) throws -> String? {
        let key: PrivateKeyFile
        do {
            key = try PrivateKeyFile(path: path)
        } catch {
            throw AuthenticationError.unreadableKey(path: path, reason: "\(error)")
        }
        if key.format == .ppk { return try tryPuTTYKey(key, options: options, log: log) }
        let passphrase = try Self.passphrase(for: path, encrypted: key.isEncrypted, options: options)
        let result: Int32
        if let signer = try key.rsaSigner(passphrase: passphrase) {
            result = signer.authenticate(session: self, user: options.user)
            if result == 0 {
                log("key \(path) accepted (rsa-sha2-256)")
                return passphrase
            }
            if retriesRSAWithSHA1 {
                log("key \(path) refused with rsa-sha2-256; trying ssh-rsa")
                if ferry_userauth_publickey_fromfile(handle, options.user, nil, path, passphrase) == 0 {
                    log("key \(path) accepted (ssh-rsa)")
                    return passphrase
                }
            }
        } else {
            result = ferry_userauth_publickey_fromfile(handle, options.user, nil, path, passphrase)
        }
        if result == 0 {
            log("key \(path) accepted (\(key.keyType ?? "public key"))")
            return passphrase
        }
        if result == LIBSSH2_ERROR_FILE {
            if key.isEncrypted { throw AuthenticationError.wrongPassphrase(path: path) }
            throw AuthenticationError.unreadableKey(path: path, reason: lastError("", code: result).message)
        }
        try rethrowIfConnectionLost(result, "libssh2_userauth_publickey_fromfile_ex")
        if key.format == .openSSH, key.isEncrypted, key.keyType == "ssh-rsa", refusesSHA1RSAByDefault {
            throw AuthenticationError.sha1OnlyKeyRefused(path: path)
        }
        log("key \(path) refused by the server")
        return nil
    }
}

extension SSHSession {
    /// Offers a PuTTY key file: checked and decrypted by ``PPKFile``, then offered from memory as an
    /// OpenSSH key (RSA through Ferry's own SHA-256 signer, as for other RSA keys).
    fileprivate func tryPuTTYKey(_ key: PrivateKeyFile, options: AuthOptions, log: (String) -> Void) throws -> String? {
        let path = key.path
        let file: PPKFile
        do {
            file = try PPKFile(text: key.text)
        } catch {
            throw AuthenticationError.unreadableKey(path: path, reason: error.description)
        }
        let passphrase = try Self.passphrase(for: path, encrypted: file.isEncrypted, options: options)
        let openSSH: String
        do {
            openSSH = try file.openSSHPrivateKey(passphrase: passphrase)
        } catch .macMismatch(encrypted: true) {
            throw AuthenticationError.wrongPassphrase(path: path)
        } catch {
            throw AuthenticationError.unreadableKey(path: path, reason: error.description)
        }
        let converted = try PrivateKeyFile(text: openSSH, path: path)
        let result: Int32
        if let signer = try converted.rsaSigner(passphrase: "") {
            result = signer.authenticate(session: self, user: options.user)
        } else {
            result = ferry_userauth_publickey_frommemory(handle, options.user, openSSH, "")
        }
        if result == 0 {
            log("key \(path) (PuTTY format) accepted")
            return passphrase
        }
        try rethrowIfConnectionLost(result, "libssh2_userauth_publickey_frommemory")
        if result == LIBSSH2_ERROR_FILE || result == LIBSSH2_ERROR_METHOD_NOT_SUPPORTED {
            throw AuthenticationError.unreadableKey(path: path, reason: lastError("", code: result).message)
        }
        log("key \(path) refused by the server")
        return nil
    }
}

extension Credential {
    var methodName: String {
        switch self {
        case .none: "none"
        case .agent: "agent"
        case .key(let path, _): "publickey (\(path))"
        case .password: "password"
        case .keyboardInteractive: "keyboard-interactive"
        }
    }
}
