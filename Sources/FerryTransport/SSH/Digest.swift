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
