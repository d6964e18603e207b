internal import CLibSSH2
import FerryBase
import Foundation

/// The SHA-256 of a local file, read in 1 MiB blocks through OpenSSL's digest (which libssh2 already
/// links), as `--verify` and `verify` compare it with the server's.
public enum SHA256File {
    /// The digest of the file at `path` as 64 lowercase hex digits. A symbolic link is not followed.
    /// `cancellation` is checked between blocks.
    public static func digest(
        ofFileAt path: String, cancellation: Cancellation? = nil
    ) throws(LocalFileError) -> String {
        let file = try LocalFile(path: path, flags: O_RDONLY | O_NOFOLLOW, operation: "open for read")
        defer { try? file.close() }
        guard let context = EVP_MD_CTX_new() else {
            throw LocalFileError(path: path, operation: "hash", code: ENOMEM)
        }
        defer { EVP_MD_CTX_free(context) }
        guard EVP_DigestInit_ex(context, EVP_sha256(), nil) == 1 else {
            throw LocalFileError(path: path, operation: "hash", code: EINVAL)
        }
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 1 << 20, alignment: 16)
        defer { buffer.deallocate() }
        while true {
            if cancellation?.isCancelled == true { throw LocalFileError(path: path, operation: "hash", code: EINTR) }
            let count = try file.read(into: buffer)
            if count == 0 { break }
            guard EVP_DigestUpdate(context, buffer.baseAddress, count) == 1 else {
                throw LocalFileError(path: path, operation: "hash", code: EIO)
            }
        }
        var output = [UInt8](repeating: 0, count: Int(EVP_MAX_MD_SIZE))
        var length: UInt32 = 0
        guard EVP_DigestFinal_ex(context, &output, &length) == 1 else {
            throw LocalFileError(path: path, operation: "hash", code: EIO)
        }
        return hex(output.prefix(Int(length)))
    }

    /// `bytes` as lowercase hex digits.
    static func hex(_ bytes: some Sequence<UInt8>) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var text: [UInt8] = []
        for byte in bytes {
            text.append(digits[Int(byte >> 4)])
            text.append(digits[Int(byte & 0x0F)])
        }
        return String(decoding: text, as: UTF8.self)
    }

    /// Whether `text` is a SHA-256 digest as 64 lowercase hex digits.
    public static func isDigest(_ text: Substring) -> Bool {
        text.utf8.count == 64 && text.utf8.allSatisfy { (0x30...0x39).contains($0) || (0x61...0x66).contains($0) }
    }
}
