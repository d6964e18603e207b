internal import CLibSSH2
import Foundation

/// Something that signs a public-key login itself instead of leaving it to libssh2, whose RSA
/// signatures are SHA-1 only: an RSA key held by OpenSSL, or one held by ssh-agent.
protocol LoginSigner: AnyObject {
    /// The public key blob offered to the server; libssh2 1.10 names the signature after its type.
    var publicBlob: Data { get }
    /// The raw signature of `data` (without its algorithm name, which libssh2 adds), or nil.
    func sign(_ data: Data) -> Data?
}

extension LoginSigner {
    /// Logs in as `user`, libssh2 asking this signer for the signature; returns libssh2's result code.
    func authenticate(session: SSHSession, user: String) -> Int32 {
        let blob = publicBlob
        let context = Unmanaged.passUnretained(self as AnyObject).toOpaque()
        return withExtendedLifetime(self) {
            blob.withUnsafeBytes { bytes in
                ferry_userauth_publickey_signed_by(
                    session.handle, user, bytes.bindMemory(to: UInt8.self).baseAddress, bytes.count,
                    { context, data, length, signature, signatureLength in
                        guard let context, let data, let signature, let signatureLength,
                            let signer = Unmanaged<AnyObject>.fromOpaque(context).takeUnretainedValue()
                                as? any LoginSigner,
                            let bytes = signer.sign(Data(bytes: data, count: length)),
                            let out = malloc(bytes.count)?.assumingMemoryBound(to: UInt8.self)
                        else { return -1 }
                        bytes.copyBytes(to: out, count: bytes.count)
                        signature.pointee = out
                        signatureLength.pointee = bytes.count
                        return 0
                    }, context)
            }
        }
    }
}
