import FerryTransport

/// A saved session: where to connect and how, as one YAML file per session.
///
/// Every field is optional; what the command line gives wins, then the profile, then Ferry's defaults.
public struct Profile: Equatable, Sendable {
    /// Where a secret comes from. A clear value is allowed only in a file no one else can read.
    public struct Secret: Equatable, Sendable {
        /// The secret itself, written in the profile.
        public var value: String?
        /// The environment variable that holds it.
        public var environment: String?
        /// A file that holds it (first line), readable by its owner only.
        public var file: String?

        /// Creates a secret source.
        public init(value: String? = nil, environment: String? = nil, file: String? = nil) {
            self.value = value
            self.environment = environment
            self.file = file
        }

        /// Whether no source is given.
        public var isEmpty: Bool { value == nil && environment == nil && file == nil }
    }

    /// Proxy settings as a profile writes them.
    public struct Proxy: Equatable, Sendable {
        public var kind: ProxySettings.Kind
        public var host: String?
        public var port: Int?
        public var user: String?
        public var password = Secret()
        public var command: String?
        public var dns: ProxySettings.NameLookup?
        public var exclude: [String] = []
        public var localhost: Bool?

        /// Creates proxy settings of `kind`.
        public init(kind: ProxySettings.Kind, host: String? = nil, port: Int? = nil, user: String? = nil) {
            self.kind = kind
            self.host = host
            self.port = port
            self.user = user
        }
    }

    /// The session's name (its file name without `.yaml`).
    public var name: String
    /// The file it was read from, if any.
    public var path: String?
    public var host: String?
    public var port: Int?
    public var user: String?
    public var identityFiles: [String] = []
    public var hostKeys: [String] = []
    public var knownHosts: String?
    public var compression: Bool?
    /// Offer the algorithms OpenSSH no longer offers by default (`legacy-algorithms`).
    public var legacyAlgorithms: Bool?
    public var keepalive: Int?
    public var connectTimeout: Int?
    public var remoteDirectory: String?
    /// Uploads write the target itself rather than a hidden part renamed into place.
    public var inPlace: Bool?
    /// Every transfer's SHA-256 is compared on both sides before the file takes its name.
    public var verify: Bool?
    /// Reconnections a command may make after losing its connection.
    public var retries: Int?
    public var localDirectory: String?
    public var password = Secret()
    public var proxy: Proxy?
    /// Jump hosts, in order: each a saved session's name or `[user@]host[:port]`.
    public var jump: [String] = []

    /// Creates an empty profile called `name`.
    public init(name: String) { self.name = name }
}
