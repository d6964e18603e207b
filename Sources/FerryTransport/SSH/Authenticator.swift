internal import CLibSSH2
import Foundation

/// Asks a person for secrets; a batch run uses none (every method returns nil).
public protocol CredentialPrompter {
    /// The login password for `user` at `host`, or nil to give up on passwords.
    func password(user: String, host: String) -> String?
    /// The password for `user` at the proxy `proxy` (a label such as `http proxy gw:3128`), or nil.
    func proxyPassword(user: String, proxy: String) -> String?
    /// The passphrase for the private key at `keyPath`, or nil to skip that key.
    func passphrase(keyPath: String) -> String?
    /// Answers to a keyboard-interactive round, one per prompt, or nil to give up.
    func respond(name: String, instruction: String, prompts: [(text: String, echo: Bool)]) -> [String]?
}

/// What to offer the server, and in which order: agent, key files, password, keyboard-interactive.
public struct AuthOptions {
    /// The login name.
    public var user: String
    /// Whether to ask ssh-agent (`-agent`, the default; `-noagent` turns it off).
    public var useAgent = true
    /// Private key files to offer (`-i`), in order.
    public var identityFiles: [String] = []
    /// Key files tried when no `-i` is given, as OpenSSH does; missing ones are skipped quietly.
    public var defaultIdentityFiles: [String] = []
    /// A password known in advance (`-pw` or `FERRY_PASSWORD`).
    public var password: String?
    /// A key passphrase known in advance (`FERRY_PASSPHRASE`).
    public var passphrase: String?
    /// Who to ask for missing secrets; nil never asks (batch mode).
    public var prompter: (any CredentialPrompter)?

    /// Creates options for `user`.
    public init(user: String) { self.user = user }
}

/// The method that logged in, kept so further connections to the same host can log in without asking again.
public enum Credential: Sendable {
    case none
    case agent
    case key(path: String, passphrase: String?)
    case password(String)
    case keyboardInteractive(answers: [[String]])
}

/// Why nobody could log in.
public enum AuthenticationError: Error, CustomStringConvertible, Equatable, Sendable {
    case rejected(user: String, host: String, tried: [String], serverAccepts: [String])
    case unreadableKey(path: String, reason: String)
    case wrongPassphrase(path: String)
    /// A passphrase-protected RSA key in OpenSSH's format was refused, and without ssh-keygen Ferry
    /// could only sign with it using SHA-1.
    case sha1OnlyKeyRefused(path: String)

    public var description: String {
        switch self {
        case .rejected(let user, let host, let tried, let accepts):
            "authentication failed for \(user)@\(host): "
                + (tried.isEmpty ? "no method could be tried" : "tried \(tried.joined(separator: ", "))")
                + "; server accepts \(accepts.joined(separator: ","))"
        case .unreadableKey(let path, let reason): "cannot read private key \(path): \(reason)"
        case .wrongPassphrase(let path): "wrong passphrase for private key \(path)"
        case .sha1OnlyKeyRefused(let path):
            "private key \(path) refused: without OpenSSH's ssh-keygen on PATH, a passphrase-protected RSA key "
                + "in OpenSSH's format signs only with ssh-rsa (SHA-1), which current servers refuse; install "
                + "ssh-keygen, load the key into ssh-agent (ssh-add) or re-save it as PEM "
                + "(ssh-keygen -p -m PEM -f \(path))"
        }
    }
}
