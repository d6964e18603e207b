import CLibSSH2
import Foundation

/// Message digests from OpenSSL's libcrypto, which libssh2 already links.
enum Digest {
    static func sha256(_ data: Data) -> Data { digest(data, EVP_sha256()) }
    static func md5(_ data: Data) -> Data { digest(data, EVP_md5()) }

    /// HMAC-SHA1, as hashed known_hosts entries use it.
    static func hmacSHA1(key: Data, message: Data) -> Data {
        var output = [UInt8](repeating: 0, count: Int(EVP_MAX_MD_SIZE))
        var length: UInt32 = 0
        let ok = key.withUnsafeBytes { k in
            message.withUnsafeBytes { m in
                HMAC(
                    EVP_sha1(), k.baseAddress, Int32(k.count), m.bindMemory(to: UInt8.self).baseAddress, m.count,
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
