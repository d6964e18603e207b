internal import CArgon2
import Foundation

/// A PuTTY private key file (`.ppk`, versions 2 and 3), read and checked, and turned into an OpenSSH
/// private key that libssh2 can load from memory.
///
/// The file holds a public blob and a private blob (encrypted with AES-256-CBC when it has a
/// passphrase) and a MAC over both, the key type, the encryption name and the comment. Version 2
/// derives the AES key with SHA-1 and the MAC key with SHA-1 and checks HMAC-SHA-1; version 3
/// derives both with Argon2 and checks HMAC-SHA-256.
struct PPKFile {
    /// Why a PPK file cannot be used.
    enum Failure: Error, Equatable, CustomStringConvertible {
        case malformed(String)
        case unsupportedVersion(Int)
        case unsupportedKeyType(String)
        case unsupportedEncryption(String)
        case needsPassphrase
        /// A version 3 file names a key derivation other than Argon2id, Argon2i or Argon2d.
        case unsupportedKeyDerivation(String)
        /// The MAC did not match: a wrong passphrase, or a changed file.
        case macMismatch(encrypted: Bool)
        /// An Argon2 parameter past what Ferry spends on a key, with the limit.
        case argon2Limit(parameter: String, value: UInt64, limit: String)

        var description: String {
            switch self {
            case .malformed(let reason): "not a valid PuTTY key file: \(reason)"
            case .unsupportedVersion(let version): "PuTTY key file version \(version) is not supported (2 and 3 are)"
            case .unsupportedKeyType(let type): "key type \(type) is not supported"
            case .unsupportedEncryption(let name): "encryption \(name) is not supported"
            case .needsPassphrase: "the key is protected by a passphrase"
            case .unsupportedKeyDerivation(let name): "key derivation \(name) is not supported"
            case .argon2Limit(let parameter, let value, let limit):
                "\(parameter) \(value) is more than Ferry spends on a key (\(limit)); puttygen's default is 8192"
                    + " KiB and a few passes (re-save the key with smaller parameters)"
            case .macMismatch(let encrypted):
                encrypted
                    ? "wrong passphrase (or the file was changed)" : "the file was changed or is corrupt (MAC mismatch)"
            }
        }
    }

    let version: Int
    let keyType: String
    let encryption: String
    let comment: String
    let publicBlob: Data
    /// The private blob as stored (encrypted when `isEncrypted`).
    let storedPrivateBlob: Data
    let mac: Data
    /// Version 3's `Key-Derivation`, `Argon2-Memory`, … headers.
    let headers: [String: String]

    var isEncrypted: Bool { encryption != "none" }

    static let keyTypes: Set<String> = [
        "ssh-rsa", "ssh-ed25519", "ecdsa-sha2-nistp256", "ecdsa-sha2-nistp384", "ecdsa-sha2-nistp521",
    ]

    /// Parses the file's text; nothing is decrypted or checked yet.
    init(text: String) throws(Failure) {
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map {
            $0.trimmingCharacters(in: CharacterSet(charactersIn: "\r"))
        }[...]
        func header(_ name: String) throws(Failure) -> String {
            guard let line = lines.popFirst(), line.hasPrefix(name + ": ") else {
                throw .malformed("expected '\(name):'")
            }
            return String(line.dropFirst(name.count + 2))
        }
        func block(_ name: String) throws(Failure) -> Data {
            guard let count = Int(try header(name)), count >= 0, count <= lines.count else {
                throw .malformed("bad \(name)")
            }
            let base64 = lines.prefix(count).joined()
            lines = lines.dropFirst(count)
            guard let data = Data(base64Encoded: base64) else { throw .malformed("bad base64 after \(name)") }
            return data
        }
        guard let first = lines.popFirst(), first.hasPrefix("PuTTY-User-Key-File-"),
            let colon = first.firstIndex(of: ":")
        else { throw .malformed("no PuTTY-User-Key-File header") }
        let versionText = first[first.index(first.startIndex, offsetBy: 20)..<colon]
        guard let version = Int(versionText) else { throw .malformed("bad version") }
        guard version == 2 || version == 3 else { throw .unsupportedVersion(version) }
        self.version = version
        keyType = first[first.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        guard Self.keyTypes.contains(keyType) else { throw .unsupportedKeyType(keyType) }
        encryption = try header("Encryption")
        guard encryption == "none" || encryption == "aes256-cbc" else { throw .unsupportedEncryption(encryption) }
        comment = try header("Comment")
        publicBlob = try block("Public-Lines")
        var extra: [String: String] = [:]
        if version == 3, encryption != "none" {
            for name in ["Key-Derivation", "Argon2-Memory", "Argon2-Passes", "Argon2-Parallelism", "Argon2-Salt"] {
                extra[name] = try header(name)
            }
        }
        headers = extra
        storedPrivateBlob = try block("Private-Lines")
        let macText = try header("Private-MAC")
        guard let mac = Data(hex: macText) else { throw .malformed("bad Private-MAC") }
        self.mac = mac
    }

    /// The private blob in clear, after checking the MAC; `passphrase` is needed when encrypted.
    func privateBlob(passphrase: String?) throws(Failure) -> Data {
        if isEncrypted, passphrase == nil { throw .needsPassphrase }
        let secret = Data((isEncrypted ? passphrase ?? "" : "").utf8)
        var clear = storedPrivateBlob
        let macKey: Data
        if version == 2 {
            if isEncrypted {
                let key = Digest.sha1(Data([0, 0, 0, 0]) + secret) + Digest.sha1(Data([0, 0, 0, 1]) + secret)
                guard let decrypted = Digest.aes256CBCDecrypt(clear, key: key.prefix(32), iv: Data(count: 16)) else {
                    throw .malformed("private blob is not a whole number of cipher blocks")
                }
                clear = decrypted
            }
            macKey = Digest.sha1(Data("putty-private-key-file-mac-key".utf8) + secret)
        } else if isEncrypted {
            // Argon2 gives 80 bytes: the AES key, the IV and the MAC key.
            let derived = try argon2(secret, length: 80)
            guard
                let decrypted = Digest.aes256CBCDecrypt(
                    clear, key: derived.prefix(32), iv: derived.dropFirst(32).prefix(16))
            else { throw .malformed("private blob is not a whole number of cipher blocks") }
            clear = decrypted
            macKey = Data(derived.suffix(32))
        } else {
            macKey = Data()
        }
        var signed = SSHWireWriter()
        signed.write(text: keyType)
        signed.write(text: encryption)
        signed.write(text: comment)
        signed.write(string: publicBlob)
        signed.write(string: clear)
        let expected =
            version == 2
            ? Digest.hmacSHA1(key: macKey, message: signed.bytes)
            : Digest.hmacSHA256(key: macKey, message: signed.bytes)
        guard expected == mac else { throw .macMismatch(encrypted: isEncrypted) }
        return clear
    }

    /// The most memory a key's Argon2 derivation may use, in KiB (256 MiB).
    static let argon2MaximumMemory: UInt32 = 256 * 1024
    /// The most memory times passes a key's derivation may take, in KiB (4 GiB).
    static let argon2MaximumWork: UInt64 = 4 * 1024 * 1024

    /// Version 3's key derivation, with the parameters the file gives.
    private func argon2(_ passphrase: Data, length: Int) throws(Failure) -> Data {
        let flavours: [String: argon2_type] = ["Argon2id": Argon2_id, "Argon2i": Argon2_i, "Argon2d": Argon2_d]
        let name = headers["Key-Derivation"] ?? ""
        guard let flavour = flavours[name] else { throw .unsupportedKeyDerivation(name) }
        guard let memory = headers["Argon2-Memory"].flatMap(UInt32.init),
            let passes = headers["Argon2-Passes"].flatMap(UInt32.init),
            let parallelism = headers["Argon2-Parallelism"].flatMap(UInt32.init),
            let salt = headers["Argon2-Salt"].flatMap(Data.init(hex:)),
            passes >= 1, parallelism >= 1, parallelism <= 64
        else { throw .malformed("bad Argon2 parameters") }
        // The file may be hostile: its parameters decide the memory and time the derivation takes.
        if memory > Self.argon2MaximumMemory {
            throw .argon2Limit(
                parameter: "Argon2-Memory", value: UInt64(memory), limit: "\(Self.argon2MaximumMemory) KiB, 256 MiB")
        }
        if UInt64(memory) * UInt64(passes) > Self.argon2MaximumWork {
            throw .argon2Limit(
                parameter: "Argon2-Passes", value: UInt64(passes),
                limit:
                    "\(Self.argon2MaximumWork / UInt64(memory)) passes at \(memory) KiB: memory times passes up to 4 GiB"
            )
        }
        var output = [UInt8](repeating: 0, count: length)
        let result = passphrase.withUnsafeBytes { secret in
            salt.withUnsafeBytes { salt in
                argon2_hash(
                    passes, memory, parallelism, secret.baseAddress, secret.count, salt.baseAddress, salt.count,
                    &output, length, nil, 0, flavour, ARGON2_VERSION_13.rawValue)
            }
        }
        guard result == ARGON2_OK.rawValue else {
            throw .malformed("Argon2 failed: \(String(cString: argon2_error_message(result)))")
        }
        return Data(output)
    }

    /// The key as an unencrypted OpenSSH private key file (`-----BEGIN OPENSSH PRIVATE KEY-----`).
    func openSSHPrivateKey(passphrase: String?) throws(Failure) -> String {
        var clear = SSHWireReader(try privateBlob(passphrase: passphrase))
        var publicKey = SSHWireReader(publicBlob)
        guard publicKey.readText() == keyType else { throw .malformed("public blob names another key type") }
        var section = SSHWireWriter()
        let check = UInt32.random(in: 0...UInt32.max)
        section.write(check)
        section.write(check)
        section.write(text: keyType)
        switch keyType {
        case "ssh-rsa":
            guard let e = publicKey.readMPInt(), let n = publicKey.readMPInt(), let d = clear.readMPInt(),
                let p = clear.readMPInt(), let q = clear.readMPInt(), let iqmp = clear.readMPInt()
            else { throw .malformed("truncated RSA key") }
            for value in [n, e, d, iqmp, p, q] { section.write(mpint: value) }
        case "ssh-ed25519":
            guard let point = publicKey.readString(), let seed = clear.readString(), point.count == 32,
                seed.count == 32
            else { throw .malformed("truncated Ed25519 key") }
            section.write(string: point)
            section.write(string: seed + point)
        default:
            guard let curve = publicKey.readString(), let point = publicKey.readString(), let scalar = clear.readMPInt()
            else { throw .malformed("truncated ECDSA key") }
            section.write(string: curve)
            section.write(string: point)
            section.write(mpint: scalar)
        }
        section.write(text: comment)
        var pad: UInt8 = 1
        while section.bytes.count % 8 != 0 {
            section.write(raw: Data([pad]))
            pad += 1
        }
        var file = SSHWireWriter()
        file.write(raw: Data("openssh-key-v1\0".utf8))
        file.write(text: "none")
        file.write(text: "none")
        file.write(string: Data())
        file.write(1)
        file.write(string: publicBlob)
        file.write(string: section.bytes)
        let body = file.bytes.base64EncodedString()
        var armored = "-----BEGIN OPENSSH PRIVATE KEY-----\n"
        var rest = Substring(body)
        while !rest.isEmpty {
            armored += rest.prefix(70) + "\n"
            rest = rest.dropFirst(70)
        }
        return armored + "-----END OPENSSH PRIVATE KEY-----\n"
    }
}

extension Data {
    /// Bytes from hexadecimal text; nil when it is not an even number of hex digits.
    init?(hex: String) {
        var bytes: [UInt8] = []
        var high: UInt8?
        for character in hex {
            guard let value = character.hexDigitValue else { return nil }
            if let first = high {
                bytes.append(first << 4 | UInt8(value))
                high = nil
            } else {
                high = UInt8(value)
            }
        }
        guard high == nil else { return nil }
        self.init(bytes)
    }
}
