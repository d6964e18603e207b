import Foundation

/// Why `ferry key convert` could not convert a key file.
public struct KeyConversionError: Error, CustomStringConvertible, Sendable {
    /// The file the problem is with.
    public var path: String
    /// What is wrong, in a few words.
    public var reason: String

    /// `path: reason`.
    public var description: String { "\(path): \(reason)" }
}

/// Turns PuTTY key files into OpenSSH private keys, for users moving off PPK.
public enum KeyConversion {
    /// The OpenSSH private key (unencrypted) held in the PuTTY key file at `path`; `passphrase` is
    /// asked only when the file is encrypted.
    public static func openSSHKey(fromPuTTY path: String, passphrase: () -> String?) throws(KeyConversionError)
        -> String
    {
        let key: PrivateKeyFile
        do {
            key = try PrivateKeyFile(path: path)
        } catch {
            throw KeyConversionError(path: path, reason: "\(error)")
        }
        guard key.format == .ppk else {
            throw KeyConversionError(path: path, reason: "not a PuTTY key file (it is already OpenSSH or PEM)")
        }
        let file: PPKFile
        do {
            file = try PPKFile(text: key.text)
        } catch {
            throw KeyConversionError(path: path, reason: error.description)
        }
        var given: String?
        if file.isEncrypted {
            given = passphrase()
            guard given != nil else { throw KeyConversionError(path: path, reason: PrivateKeyFile.noPassphraseGiven) }
        }
        do {
            return try file.openSSHPrivateKey(passphrase: given)
        } catch {
            throw KeyConversionError(path: path, reason: error.description)
        }
    }

    /// Writes `key` to `path` with mode 0600, whole or not at all; an existing file is kept unless
    /// `replacing`.
    public static func write(_ key: String, to path: String, replacing: Bool) throws(KeyConversionError) {
        if !replacing, FileManager.default.fileExists(atPath: path) {
            throw KeyConversionError(path: path, reason: "already exists (--force replaces it)")
        }
        let temporary = path + ".ferry-\(String(UInt32.random(in: 0...UInt32.max), radix: 36))"
        let descriptor = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else {
            throw KeyConversionError(path: path, reason: String(cString: strerror(errno)).lowercased())
        }
        let bytes = Array(key.utf8)
        let written = bytes.withUnsafeBytes { Glibc.write(descriptor, $0.baseAddress, $0.count) }
        let saved = written == bytes.count && fsync(descriptor) == 0
        let code = errno
        close(descriptor)
        guard saved, rename(temporary, path) == 0 else {
            let reason = String(cString: strerror(saved ? errno : code)).lowercased()
            unlink(temporary)
            throw KeyConversionError(path: path, reason: reason)
        }
    }
}
