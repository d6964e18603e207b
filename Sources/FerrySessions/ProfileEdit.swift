import FerryTransport

/// Changes to a saved session, as `ferry session save` takes them: a value left nil keeps the one
/// already saved.
public struct ProfileEdit {
    public var host: String?
    public var port: Int?
    public var user: String?
    /// Replaces the saved key files when not empty.
    public var identityFiles: [String] = []
    /// Replaces the saved pinned fingerprints when not empty.
    public var hostKeys: [String] = []
    public var knownHosts: String?
    /// The environment variable, or the owner-only file, holding the login password.
    public var passwordEnvironment: String?
    public var passwordFile: String?
    /// A proxy URL (`http://`, `socks5://`, …) without a password in it.
    public var proxy: String?
    /// The environment variable holding the proxy password.
    public var proxyPasswordEnvironment: String?
    /// A local proxy command (`%host` and `%port` are replaced).
    public var proxyCommand: String?
    public var remoteDirectory: String?
    public var localDirectory: String?
    /// Whether uploads write the target in place.
    public var inPlace: Bool?
    /// Whether every transfer is verified.
    public var verify: Bool?
    /// Whether the algorithms OpenSSH no longer offers by default are offered.
    public var legacyAlgorithms: Bool?

    /// Creates an edit that changes nothing.
    public init() {}

    /// Why an edit cannot be applied.
    public enum Problem: Error, CustomStringConvertible, Equatable {
        case notAProxyURL(String)
        case passwordInProxyURL

        public var description: String {
            switch self {
            case .notAProxyURL(let url): "--proxy \(url) is not a proxy URL such as http://host:3128"
            case .passwordInProxyURL: "--proxy: put the proxy password in --proxy-password-env, not in the URL"
            }
        }
    }

    /// `profile` with this edit's values in place of its own.
    public func applied(to profile: Profile) throws(Problem) -> Profile {
        var profile = profile
        if let host { profile.host = host }
        if let port { profile.port = port }
        if let user { profile.user = user }
        if !identityFiles.isEmpty { profile.identityFiles = identityFiles }
        if !hostKeys.isEmpty { profile.hostKeys = hostKeys }
        if let knownHosts { profile.knownHosts = knownHosts }
        if let passwordEnvironment { profile.password = Profile.Secret(environment: passwordEnvironment) }
        if let passwordFile { profile.password = Profile.Secret(file: passwordFile) }
        if let remoteDirectory { profile.remoteDirectory = remoteDirectory }
        if let localDirectory { profile.localDirectory = localDirectory }
        if let inPlace { profile.inPlace = inPlace }
        if let verify { profile.verify = verify }
        if let legacyAlgorithms { profile.legacyAlgorithms = legacyAlgorithms }
        if let proxy {
            guard let settings = ProxySettings(url: proxy) else { throw .notAProxyURL(proxy) }
            if settings.password != nil { throw .passwordInProxyURL }
            var saved = Profile.Proxy(
                kind: settings.kind, host: settings.host, port: settings.port, user: settings.username)
            if let proxyPasswordEnvironment {
                saved.password = Profile.Secret(environment: proxyPasswordEnvironment)
            }
            profile.proxy = saved
        }
        if let proxyCommand {
            var saved = Profile.Proxy(kind: .command)
            saved.command = proxyCommand
            profile.proxy = saved
        }
        return profile
    }
}

extension Profile {
    /// The profile with its stored secrets shown as `********`, for `ferry session show`.
    public var masked: Profile {
        var profile = self
        if profile.password.value != nil { profile.password.value = "********" }
        if profile.proxy?.password.value != nil { profile.proxy?.password.value = "********" }
        return profile
    }
}
