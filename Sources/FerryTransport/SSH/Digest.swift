internal import CLibSSH2
import Foundation

/// Message digests from OpenSSL's libcrypto, which libssh2 already links.
enum Digest {
    static func sha256(_ data: Data) -> Data { digest(data, EVP_sha256()) }
    static func sha1(_ data: Data) -> Data { digest(data, EVP_sha1()) }
    static func md5(_ data: Data) -> Data { digest(data, EVP_md5()) }

    /// HMAC-SHA1, as hashed known_hosts entries and PPK version 2 files use it.
    static func hmacSHA1(key: Data, message: Data) -> Data { hmac(EVP_sha1(), key: key, message: message) }

    /// HMAC-SHA-256, as PPK version 3 files use it.
    static func hmacSHA256(key: Data, message: Data) -> Data { hmac(EVP_sha256(), key: key, message: message) }

    /// HMAC-SHA1 of one message under many keys, with one OpenSSL context for all of them: a
    /// hashed known_hosts entry is a salt (the key) and the HMAC of the host's name, so checking a
    /// host against thousands of entries is this one name under thousands of salts. Fetching the
    /// algorithm and making a context once, not per entry, makes each comparison several times
    /// cheaper than the one-shot ``hmacSHA1(key:message:)``. Not for use from two threads at once.
    final class HMACSHA1 {
        private let mac: OpaquePointer?
        private let context: OpaquePointer?

        init() {
            mac = EVP_MAC_fetch(nil, "HMAC", nil)
            context = mac.flatMap { EVP_MAC_CTX_new($0) }
            guard let context else { return }
            "digest".withCString { name in
                "SHA1".withCString { value in
                    var parameters = [
                        OSSL_PARAM_construct_utf8_string(name, UnsafeMutablePointer(mutating: value), 0),
                        OSSL_PARAM_construct_end(),
                    ]
                    _ = EVP_MAC_CTX_set_params(context, &parameters)
                }
            }
        }

        deinit {
            EVP_MAC_CTX_free(context)
            EVP_MAC_free(mac)
        }

        /// The HMAC of `message` under `key` (20 bytes), or nil if OpenSSL fails.
        func code(key: [UInt8], message: [UInt8]) -> [UInt8]? {
            guard let context, EVP_MAC_init(context, key, key.count, nil) == 1,
                EVP_MAC_update(context, message, message.count) == 1
            else { return nil }
            var output = [UInt8](repeating: 0, count: 20)
            var length = 0
            guard EVP_MAC_final(context, &output, &length, output.count) == 1, length == 20 else { return nil }
            return output
        }
    }

    /// AES-256-CBC decryption without padding (`data` is a whole number of blocks); nil on failure.
    static func aes256CBCDecrypt(_ data: Data, key: Data, iv: Data) -> Data? {
        guard key.count == 32, iv.count == 16, data.count % 16 == 0, let context = EVP_CIPHER_CTX_new() else {
            return nil
        }
        defer { EVP_CIPHER_CTX_free(context) }
        var output = [UInt8](repeating: 0, count: data.count + 16)
        var written: Int32 = 0
        var final: Int32 = 0
        let ok = key.withUnsafeBytes { k in
            iv.withUnsafeBytes { v in
                data.withUnsafeBytes { input -> Bool in
                    guard
                        EVP_DecryptInit_ex(
                            context, EVP_aes_256_cbc(), nil, k.bindMemory(to: UInt8.self).baseAddress,
                            v.bindMemory(to: UInt8.self).baseAddress) == 1,
                        EVP_CIPHER_CTX_set_padding(context, 0) == 1,
                        EVP_DecryptUpdate(
                            context, &output, &written, input.bindMemory(to: UInt8.self).baseAddress,
                            Int32(input.count)) == 1
                    else { return false }
                    return output.withUnsafeMutableBufferPointer { buffer in
                        EVP_DecryptFinal_ex(context, buffer.baseAddress.map { $0 + Int(written) }, &final) == 1
                    }
                }
            }
        }
        return ok ? Data(output.prefix(Int(written + final))) : nil
    }

    private static func hmac(_ type: OpaquePointer?, key: Data, message: Data) -> Data {
        var output = [UInt8](repeating: 0, count: Int(EVP_MAX_MD_SIZE))
        var length: UInt32 = 0
        let ok = key.withUnsafeBytes { k in
            message.withUnsafeBytes { m in
                HMAC(
                    type, k.baseAddress, Int32(k.count), m.bindMemory(to: UInt8.self).baseAddress, m.count,
                    &output, &length)
            }
        }
        return ok == nil ? Data() : Data(output.prefix(Int(length)))
    }

    private static func digest(_ data: Data, _ type: OpaquePointer?) -> Data {
        var output = [UInt8](repeating: 0, count: Int(EVP_MAX_MD_SIZE))
        var length: UInt32 = 0
        let ok = data.withUnsafeBytes { input in
            EVP_Digest(input.baseAddress, input.count, &output, &length, type, nil)
        }
        return ok == 1 ? Data(output.prefix(Int(length))) : Data()
    }
}

/// SHA-256 for the layers above, which see no OpenSSL: what an inventory digest is made with.
public enum SHA256 {
    /// The SHA-256 of `data`, as 64 lowercase hex digits.
    public static func hex(_ data: Data) -> String {
        Digest.sha256(data).map { String(format: "%02x", $0) }.joined()
    }
}
