import FerryBase
import FerryTransport

/// How to reach one host, as any one source gives it: Ferry's command line, a saved session's YAML,
/// `ferry session save`, PuTTY's saved sessions, `~/.ssh/config`, a host's own name.
///
/// Every field is optional: nil means "this source says nothing", so sources stack. ``overlaid(by:)``
/// is the one rule that stacks them, and ``fields`` is the one table that the rule, the YAML reader
/// and the YAML writer walk. A new setting is a stored property here, a row in ``fields``, its
/// command-line option, and its use in ``SessionResolver``.
public struct ConnectionSettings: Equatable, Sendable {
    /// Where a secret comes from. A clear value is allowed only in a file no one else can read.
    public struct Secret: Equatable, Sendable {
        /// The secret itself, written in the profile (or given with `-pw`).
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

    /// A proxy as a source gives it; its password is a ``Secret``.
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

    public var host: String?
    public var port: Int?
    public var user: String?
    /// Private key files offered, in order (`identity`, `-i`).
    public var identityFiles: [String]?
    /// Pinned host key fingerprints (`hostkey`, `-hostkey`).
    public var hostKeys: [String]?
    public var knownHosts: String?
    public var compression: Bool?
    /// Offer the algorithms OpenSSH no longer offers by default (`legacy-algorithms`).
    public var legacyAlgorithms: Bool?
    /// Seconds between keepalive messages.
    public var keepalive: Int?
    /// Seconds the connecting may take; later waits keep at least 60 s.
    public var connectTimeout: Int?
    /// Seconds any one wait on the network may take (`--timeout`).
    public var timeout: Int?
    public var remoteDirectory: String?
    public var localDirectory: String?
    /// Uploads write the target itself rather than a hidden part renamed into place.
    public var inPlace: Bool?
    /// Every transfer's SHA-256 is compared on both sides before the file takes its name.
    public var verify: Bool?
    /// Reconnections a command may make after losing its connection.
    public var retries: Int?
    /// The login password's source.
    public var password: Secret?
    public var proxy: Proxy?
    /// Jump hosts, in order: each a saved session's name or `[user@]host[:port]`.
    public var jump: [String]?
    /// The cap on this host's transfers (`bwlimit-host`, `--bwlimit-host`). Unlike other settings,
    /// caps from several layers all hold: the lowest wins.
    public var bandwidthHost: BandwidthCaps?

    /// Creates settings that say nothing.
    public init() {}

    /// These settings with every value `upper` gives in place of this one's: a list, a proxy or a
    /// secret is replaced whole, never merged. A cap is the exception: both layers' hold, so the
    /// lower of each way is kept.
    public func overlaid(by upper: ConnectionSettings) -> ConnectionSettings {
        var result = self
        for field in Self.fields { field.kind.copy(from: upper, into: &result) }
        return result
    }

    /// `layers` stacked in order, each over the ones before it.
    public static func stacked(_ layers: [ConnectionSettings?]) -> ConnectionSettings {
        layers.compactMap { $0 }.reduce(ConnectionSettings()) { $0.overlaid(by: $1) }
    }
}

extension ConnectionSettings {
    /// One setting: its name in a saved session's YAML, and where it lives.
    public struct Field: Sendable {
        /// The YAML key (a secret also takes `KEY-env` and `KEY-file`).
        public let key: String
        let kind: Kind

        /// The YAML keys this field reads.
        var keys: [String] {
            if case .secret = kind { return [key, key + "-env", key + "-file"] }
            return [key]
        }
    }

    /// What a field holds, with the path to it.
    enum Kind: Sendable {
        case text(WritableKeyPath<ConnectionSettings, String?> & Sendable)
        case number(WritableKeyPath<ConnectionSettings, Int?> & Sendable, ClosedRange<Int>)
        case flag(WritableKeyPath<ConnectionSettings, Bool?> & Sendable)
        /// A list; `commaSeparated` splits each item at commas too.
        case list(WritableKeyPath<ConnectionSettings, [String]?> & Sendable, commaSeparated: Bool)
        case secret(WritableKeyPath<ConnectionSettings, Secret?> & Sendable)
        case proxy(WritableKeyPath<ConnectionSettings, Proxy?> & Sendable)
        /// Transfer caps; layers combine, the lower of each way winning.
        case caps(WritableKeyPath<ConnectionSettings, BandwidthCaps?> & Sendable)

        func copy(from upper: ConnectionSettings, into result: inout ConnectionSettings) {
            switch self {
            case .text(let path): Self.copy(path, from: upper, into: &result)
            case .number(let path, _): Self.copy(path, from: upper, into: &result)
            case .flag(let path): Self.copy(path, from: upper, into: &result)
            case .list(let path, _): Self.copy(path, from: upper, into: &result)
            case .secret(let path): Self.copy(path, from: upper, into: &result)
            case .proxy(let path): Self.copy(path, from: upper, into: &result)
            case .caps(let path):
                if let caps = upper[keyPath: path] { result[keyPath: path] = caps.lowest(with: result[keyPath: path]) }
            }
        }

        private static func copy<Value>(
            _ path: WritableKeyPath<ConnectionSettings, Value?>, from upper: ConnectionSettings,
            into result: inout ConnectionSettings
        ) {
            if let value = upper[keyPath: path] { result[keyPath: path] = value }
        }
    }

    /// Every setting, in the order a saved session is written.
    public static let fields: [Field] = [
        Field(key: "host", kind: .text(\.host)),
        Field(key: "port", kind: .number(\.port, 1...65535)),
        Field(key: "user", kind: .text(\.user)),
        Field(key: "identity", kind: .list(\.identityFiles, commaSeparated: false)),
        Field(key: "hostkey", kind: .list(\.hostKeys, commaSeparated: false)),
        Field(key: "known-hosts", kind: .text(\.knownHosts)),
        Field(key: "compression", kind: .flag(\.compression)),
        Field(key: "legacy-algorithms", kind: .flag(\.legacyAlgorithms)),
        Field(key: "keepalive", kind: .number(\.keepalive, 0...86400)),
        Field(key: "connect-timeout", kind: .number(\.connectTimeout, 1...3600)),
        Field(key: "timeout", kind: .number(\.timeout, 1...86400)),
        Field(key: "inplace", kind: .flag(\.inPlace)),
        Field(key: "verify", kind: .flag(\.verify)),
        Field(key: "retries", kind: .number(\.retries, 0...100)),
        Field(key: "bwlimit-host", kind: .caps(\.bandwidthHost)),
        Field(key: "remote-directory", kind: .text(\.remoteDirectory)),
        Field(key: "local-directory", kind: .text(\.localDirectory)),
        Field(key: "password", kind: .secret(\.password)),
        Field(key: "proxy", kind: .proxy(\.proxy)),
        Field(key: "jump", kind: .list(\.jump, commaSeparated: true)),
    ]
}

extension ConnectionSettings {
    /// The layer a host's own name makes, `[user@]host[:port]`: its host, and its user and port where
    /// written. The names are checked by ``TargetName``.
    public init(naming text: String) throws(TargetNameError) {
        // Port 0 is never a written port (1...65535), so it marks "not written".
        let parsed = try ConnectionTarget.parse(text, defaultUser: "root", defaultPort: 0)
        self.init()
        host = parsed.host
        port = parsed.port == 0 ? nil : parsed.port
        user = text.contains("@") ? parsed.user : nil
    }
}
