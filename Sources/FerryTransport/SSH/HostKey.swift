internal import CLibSSH2
import Foundation

/// A server's host key and its fingerprints.
public struct HostKey: Sendable, Equatable {
    /// The key in SSH wire format.
    public var blob: Data
    /// The algorithm name, such as `ssh-ed25519`.
    public var algorithm: String
    /// libssh2's `LIBSSH2_HOSTKEY_TYPE_*` value.
    var libssh2Type: Int32

    init(blob: Data, libssh2Type: Int32) {
        self.blob = blob
        self.libssh2Type = libssh2Type
        // The blob starts with the algorithm name as an SSH string.
        if blob.count >= 4 {
            let length = blob.prefix(4).reduce(0) { $0 << 8 | Int($1) }
            if length > 0, length <= blob.count - 4 {
                algorithm = String(decoding: blob.dropFirst(4).prefix(length), as: UTF8.self)
                return
            }
        }
        algorithm = "unknown"
    }

    /// The OpenSSH-style SHA-256 fingerprint, `SHA256:` and unpadded base64.
    public var sha256Fingerprint: String {
        "SHA256:" + Digest.sha256(blob).base64EncodedString().replacingOccurrences(of: "=", with: "")
    }

    /// The colon-separated hexadecimal MD5 fingerprint psftp used to show.
    public var md5Fingerprint: String {
        Digest.md5(blob).map { String(format: "%02x", $0) }.joined(separator: ":")
    }

    /// Whether `pin` names this key: `SHA256:…`, `MD5:aa:bb…` or bare `aa:bb…`, optionally after the
    /// algorithm and bit count as `ssh-keygen -l` prints them.
    public func matches(pin: String) -> Bool {
        guard let token = pin.split(whereSeparator: \.isWhitespace).last.map(String.init) else { return false }
        if token.hasPrefix("SHA256:") {
            let given = token.dropFirst(7).replacingOccurrences(of: "=", with: "")
            return given == sha256Fingerprint.dropFirst(7)
        }
        let hex = token.lowercased().hasPrefix("md5:") ? String(token.dropFirst(4)) : token
        return hex.lowercased() == md5Fingerprint
    }
}
