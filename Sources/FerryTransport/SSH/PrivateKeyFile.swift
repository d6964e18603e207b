internal import CLibSSH2
import FerryBase
import Foundation

/// A private key file as read from disk, enough to know its format, type and whether it is encrypted.
struct PrivateKeyFile {
    enum Format { case openSSH, pem, ppk }

    /// Why a key file cannot be used.
    enum KeyFileError: Error, CustomStringConvertible {
        case unreadable(String)
        case unrecognised
        case publicKeyOnly
        case corrupt(String)

        var description: String {
            switch self {
            case .unreadable(let reason): reason
            case .unrecognised: "not a private key file Ferry can read (OpenSSH or PEM format)"
            case .publicKeyOnly: "this is a public key; give the private key file"
            case .corrupt(let reason): "corrupt key file: \(reason)"
            }
        }
    }

    /// Why an encrypted key file could not be opened when nobody gave its passphrase.
    static let noPassphraseGiven = "it is passphrase-protected and no passphrase was given (FERRY_PASSPHRASE)"

    let path: String
    let text: String
    let format: Format
    let isEncrypted: Bool
    /// The key's algorithm when the file says it in clear (`ssh-rsa`, `ssh-ed25519`, …).
    let keyType: String?
    private let openSSHBody: Data?

    init(path: String) throws {
        let data: Data
        do {
            data = try BoundedFile.read(path, limit: BoundedFile.Limit.key)
        } catch {
            throw KeyFileError.unreadable(error.reason)
        }
        try self.init(text: String(decoding: data, as: UTF8.self), path: path)
    }

    /// A key file's text, as if read from `path` (a key converted in memory).
    init(text: String, path: String) throws {
        self.path = path
        self.text = text
        if text.contains("-----BEGIN OPENSSH PRIVATE KEY-----") {
            format = .openSSH
            let body = text.components(separatedBy: "\n")
                .filter { !$0.hasPrefix("-----") }.joined().trimmingCharacters(in: .whitespacesAndNewlines)
            guard let blob = Data(base64Encoded: body) else { throw KeyFileError.corrupt("bad base64") }
            let magic = Data("openssh-key-v1\0".utf8)
            guard blob.starts(with: magic) else { throw KeyFileError.corrupt("bad magic") }
            var reader = SSHWireReader(blob.dropFirst(magic.count))
            guard let cipher = reader.readText(), reader.readString() != nil, reader.readString() != nil,
                let count = reader.readUInt32(), count >= 1, let publicBlob = reader.readString(),
                let privateBlob = reader.readString()
            else { throw KeyFileError.corrupt("truncated") }
            var keyReader = SSHWireReader(publicBlob)
            keyType = keyReader.readText()
            isEncrypted = cipher != "none"
            openSSHBody = privateBlob
        } else if text.contains("-----BEGIN") && text.contains("PRIVATE KEY-----") {
            format = .pem
            isEncrypted = text.contains("ENCRYPTED")
            keyType = text.contains("BEGIN RSA PRIVATE KEY") ? "ssh-rsa" : nil
            openSSHBody = nil
        } else if text.hasPrefix("PuTTY-User-Key-File-") {
            format = .ppk
            isEncrypted = !text.contains("Encryption: none")
            keyType = text.split(separator: "\n").first?.split(separator: ":").last
                .map { $0.trimmingCharacters(in: .whitespaces) }
            openSSHBody = nil
        } else if text.hasPrefix("ssh-") || text.hasPrefix("ecdsa-") || text.contains("BEGIN SSH2 PUBLIC KEY") {
            throw KeyFileError.publicKeyOnly
        } else {
            throw KeyFileError.unrecognised
        }
    }

    /// A SHA-256 signer for an RSA key, or nil when the key is not RSA or Ferry cannot open it itself
    /// (then libssh2's own loader and its `ssh-rsa` signatures are the fallback).
    func rsaSigner(passphrase: String) throws -> RSASigner? {
        switch format {
        case .pem:
            let pkey = text.utf8CString.withUnsafeBufferPointer {
                ferry_pem_private_key($0.baseAddress, $0.count - 1, passphrase)
            }
            guard let pkey else { return nil }
            guard ferry_pkey_is_rsa(pkey) == 1 else {
                EVP_PKEY_free(pkey)
                return nil
            }
            return RSASigner(pkey: pkey)
        case .openSSH:
            guard keyType == "ssh-rsa", let body = openSSHBody else { return nil }
            if isEncrypted {
                // A wrong passphrase (or no ssh-keygen) leaves the key to libssh2's loader, which then
                // names the failure as for any other key.
                guard let pem = Self.pemCopy(ofOpenSSHKey: text, passphrase: passphrase) else { return nil }
                return try PrivateKeyFile(text: pem, path: path).rsaSigner(passphrase: passphrase)
            }
            var reader = SSHWireReader(body)
            guard let check1 = reader.readUInt32(), let check2 = reader.readUInt32(), check1 == check2,
                reader.readText() == "ssh-rsa", let n = reader.readMPInt(), let e = reader.readMPInt(),
                let d = reader.readMPInt(), let iqmp = reader.readMPInt(), let p = reader.readMPInt(),
                let q = reader.readMPInt()
            else { throw KeyFileError.corrupt("RSA key fields") }
            let pkey = n.withUnsafeBytes { n in
                e.withUnsafeBytes { e in
                    d.withUnsafeBytes { d in
                        p.withUnsafeBytes { p in
                            q.withUnsafeBytes { q in
                                iqmp.withUnsafeBytes { iqmp in
                                    ferry_rsa_from_components(
                                        n.bindMemory(to: UInt8.self).baseAddress, n.count,
                                        e.bindMemory(to: UInt8.self).baseAddress, e.count,
                                        d.bindMemory(to: UInt8.self).baseAddress, d.count,
                                        p.bindMemory(to: UInt8.self).baseAddress, p.count,
                                        q.bindMemory(to: UInt8.self).baseAddress, q.count,
                                        iqmp.bindMemory(to: UInt8.self).baseAddress, iqmp.count)
                                }
                            }
                        }
                    }
                }
            }
            return pkey.map(RSASigner.init(pkey:))
        case .ppk:
            return nil
        }
    }
}

/// An RSA private key held by OpenSSL, which signs logins with `rsa-sha2-256`.
final class RSASigner: LoginSigner {
    private let pkey: OpaquePointer

    init(pkey: OpaquePointer) { self.pkey = pkey }

    deinit { EVP_PKEY_free(pkey) }

    var publicBlob: Data {
        var writer = SSHWireWriter()
        writer.write(text: "rsa-sha2-256")
        writer.write(mpint: number(0))
        writer.write(mpint: number(1))
        return writer.bytes
    }

    private func number(_ which: Int32) -> Data {
        var buffer = [UInt8](repeating: 0, count: 2048)
        let length = ferry_rsa_public_number(pkey, which, &buffer, Int32(buffer.count))
        return length > 0 ? Data(buffer.prefix(Int(length))) : Data()
    }

    func sign(_ data: Data) -> Data? {
        var signature: UnsafeMutablePointer<UInt8>?
        var length = 0
        let result = data.withUnsafeBytes {
            ferry_rsa_sha256_sign(pkey, $0.bindMemory(to: UInt8.self).baseAddress, $0.count, &signature, &length)
        }
        guard result == 0, let signature else { return nil }
        defer { free(signature) }
        return Data(bytes: signature, count: length)
    }
}
