import FerryBase
import Foundation

/// What to do with a host key that known_hosts does not hold.
public enum HostKeyDecision: Sendable {
    case reject, acceptOnce, acceptAndStore
}

/// Asks a person about a host key that known_hosts does not hold.
public protocol HostKeyPrompter {
    /// Shows `key` for `host` and returns what to do with it; a batch run returns `.reject`.
    func decide(host: String, port: Int, key: HostKey, knownHostsPath: String) -> HostKeyDecision
}

/// Why a host key was refused.
public enum HostKeyError: Error, CustomStringConvertible, Equatable, Sendable {
    case unknown(host: String, algorithm: String, fingerprint: String, knownHostsPath: String)
    case changed(host: String, algorithm: String, fingerprint: String, knownHostsPath: String, line: Int)
    case revoked(host: String, fingerprint: String, knownHostsPath: String, line: Int)
    case notPinned(host: String, algorithm: String, fingerprint: String)
    case cannotStore(path: String, reason: String)

    public var description: String {
        switch self {
        case .unknown(let host, let algorithm, let fingerprint, let path):
            "host key for \(host) is not known (\(algorithm) \(fingerprint)): it is not in \(path)"
                + " and no -hostkey matches it; refusing"
        case .changed(let host, let algorithm, let fingerprint, let path, let line):
            "HOST KEY FOR \(host) HAS CHANGED: server offered \(algorithm) \(fingerprint), which does not"
                + " match \(path):\(line); refusing (possible man-in-the-middle attack)"
        case .revoked(let host, let fingerprint, let path, let line):
            "host key for \(host) (\(fingerprint)) is revoked at \(path):\(line); refusing"
        case .notPinned(let host, let algorithm, let fingerprint):
            "host key for \(host) (\(algorithm) \(fingerprint)) matches none of the -hostkey fingerprints; refusing"
        case .cannotStore(let path, let reason): "cannot store host key in \(path): \(reason)"
        }
    }
}

/// Host-key trust: `-hostkey` pins first, then known_hosts, then the prompter for unknown keys.
public struct HostKeyVerifier {
    /// Fingerprints given with `-hostkey`; when present, only these keys are accepted.
    public var pins: [String]
    /// The known_hosts file to consult and to store accepted keys in.
    public var knownHostsPath: String
    /// Who decides about unknown keys; nil refuses them (batch mode).
    public var prompter: (any HostKeyPrompter)?

    /// Creates a verifier.
    public init(pins: [String], knownHostsPath: String, prompter: (any HostKeyPrompter)?) {
        self.pins = pins
        self.knownHostsPath = knownHostsPath
        self.prompter = prompter
    }

    /// Key types known_hosts holds for the host, to prefer in the handshake.
    public func preferredTypes(host: String, port: Int) -> [String] {
        guard pins.isEmpty, let file = try? KnownHostsFiles.shared.file(at: knownHostsPath) else { return [] }
        return file.keyTypes(host: host, port: port)
    }

    /// Accepts `key` for `host` or throws why not; may store it in known_hosts. `warn` hears about
    /// known_hosts lines that could not be read (and were left out).
    public func verify(host: String, port: Int, key: HostKey, warn: (String) -> Void = { _ in }) throws {
        if !pins.isEmpty {
            guard pins.contains(where: key.matches(pin:)) else {
                throw HostKeyError.notPinned(host: host, algorithm: key.algorithm, fingerprint: key.sha256Fingerprint)
            }
            // A pin does not overrule a revocation the known_hosts file records.
            if let file = try? KnownHostsFiles.shared.file(at: knownHostsPath),
                case .revoked(let line) = file.verdict(host: host, port: port, key: key)
            {
                throw HostKeyError.revoked(
                    host: host, fingerprint: key.sha256Fingerprint, knownHostsPath: knownHostsPath, line: line)
            }
            return
        }
        let file = try KnownHostsFiles.shared.file(at: knownHostsPath)
        for line in file.unreadableLines {
            warn("\(knownHostsPath):\(line): not valid UTF-8; line ignored")
        }
        for (line, marker) in file.unknownMarkers {
            warn(
                "\(knownHostsPath):\(line): unknown marker '\(ServerText.visible(marker))' (OpenSSH knows @revoked and @cert-authority); line ignored"
            )
        }
        switch file.verdict(host: host, port: port, key: key) {
        case .match: return
        case .changed(let line):
            throw HostKeyError.changed(
                host: host, algorithm: key.algorithm, fingerprint: key.sha256Fingerprint,
                knownHostsPath: knownHostsPath, line: line)
        case .revoked(let line):
            throw HostKeyError.revoked(
                host: host, fingerprint: key.sha256Fingerprint,
                knownHostsPath: knownHostsPath, line: line)
        case .unknown:
            switch prompter?.decide(host: host, port: port, key: key, knownHostsPath: knownHostsPath) ?? .reject {
            case .acceptOnce: return
            case .acceptAndStore:
                do {
                    try KnownHosts.append(host: host, port: port, key: key, to: knownHostsPath)
                } catch {
                    throw HostKeyError.cannotStore(path: knownHostsPath, reason: "\(error)")
                }
            case .reject:
                throw HostKeyError.unknown(
                    host: host, algorithm: key.algorithm, fingerprint: key.sha256Fingerprint,
                    knownHostsPath: knownHostsPath)
            }
        }
    }
}
