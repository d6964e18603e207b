import CLibSSH2
import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// Signs a login with an RSA key held by ssh-agent, asking the agent for an `rsa-sha2-256` signature.
///
/// libssh2 1.10 asks the agent for `ssh-rsa` (SHA-1) signatures only, which current OpenSSH servers
/// refuse. Ferry sends the agent protocol's sign request itself, with the flag that asks for SHA-256,
/// and hands the signature to libssh2 through its sign callback. The agent does all the cryptography.
final class AgentRSASigner {
    private let socketPath: String
    /// The key as the agent lists it: `ssh-rsa`, e, n.
    private let keyBlob: Data
    private let exponent: Data
    private let modulus: Data

    /// A signer for `keyBlob`, or nil when the key is not RSA.
    init?(socketPath: String, keyBlob: Data) {
        var reader = SSHWireReader(keyBlob)
        guard reader.readText() == "ssh-rsa", let e = reader.readString(), let n = reader.readString() else {
            return nil
        }
        self.socketPath = socketPath
        self.keyBlob = keyBlob
        exponent = e
        modulus = n
    }

    /// The public key blob with `rsa-sha2-256` as its type: libssh2 1.10 names the signature after it.
    private var publicBlob: Data {
        var writer = SSHWireWriter()
        writer.write(text: "rsa-sha2-256")
        writer.write(string: exponent)
        writer.write(string: modulus)
        return writer.bytes
    }

    /// Logs in as `user`; returns libssh2's result code.
    func authenticate(session: SSHSession, user: String) -> Int32 {
        let blob = publicBlob
        let context = Unmanaged.passUnretained(self).toOpaque()
        return withExtendedLifetime(self) {
            blob.withUnsafeBytes { bytes in
                ferry_userauth_publickey_signed_by(
                    session.handle, user, bytes.bindMemory(to: UInt8.self).baseAddress, bytes.count,
                    { context, data, length, signature, signatureLength in
                        guard let context, let data, let signature, let signatureLength else { return -1 }
                        let signer = Unmanaged<AgentRSASigner>.fromOpaque(context).takeUnretainedValue()
                        guard let bytes = signer.sign(Data(bytes: data, count: length)),
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

    /// Agent protocol numbers (draft-miller-ssh-agent).
    private enum Message {
        static let signRequest: UInt8 = 13
        static let signResponse: UInt8 = 14
        static let rsaSHA256Flag: UInt32 = 2
    }

    /// The raw RSA signature of `data` over SHA-256, or nil when the agent refuses or offers only SHA-1.
    func sign(_ data: Data) -> Data? {
        var request = SSHWireWriter()
        request.write(raw: Data([Message.signRequest]))
        request.write(string: keyBlob)
        request.write(string: data)
        request.write(Message.rsaSHA256Flag)
        guard let reply = exchange(request.bytes), reply.first == Message.signResponse else { return nil }
        var reader = SSHWireReader(reply.dropFirst())
        guard let signatureBlob = reader.readString() else { return nil }
        var signature = SSHWireReader(signatureBlob)
        // An agent too old for the flag answers with ssh-rsa; that signature would be refused anyway.
        guard signature.readText() == "rsa-sha2-256", let raw = signature.readString() else { return nil }
        return raw
    }

    /// Sends one message to the agent and returns its reply's body (type byte first).
    private func exchange(_ message: Data) -> Data? {
        let descriptor = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        guard descriptor >= 0 else { return nil }
        defer { close(descriptor) }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let path = Array(socketPath.utf8)
        guard path.count < MemoryLayout.size(ofValue: address.sun_path) else { return nil }
        withUnsafeMutableBytes(of: &address.sun_path) { buffer in
            buffer.copyBytes(from: path)
            buffer[path.count] = 0
        }
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
            }
        }
        guard connected == 0 else { return nil }
        var framed = SSHWireWriter()
        framed.write(string: message)
        guard send(all: framed.bytes, to: descriptor), let header = receive(4, from: descriptor) else { return nil }
        let length = header.reduce(0) { $0 << 8 | Int($1) }
        guard length > 0, length <= 256 * 1024 else { return nil }
        return receive(length, from: descriptor)
    }

    private func send(all bytes: Data, to descriptor: Int32) -> Bool {
        var offset = 0
        while offset < bytes.count {
            let sent = bytes.withUnsafeBytes { buffer -> Int in
                guard let base = buffer.baseAddress else { return -1 }
                return Glibc.send(descriptor, base + offset, bytes.count - offset, Int32(MSG_NOSIGNAL))
            }
            if sent > 0 {
                offset += sent
            } else if sent < 0, errno == EINTR {
                continue
            } else {
                return false
            }
        }
        return true
    }

    private func receive(_ count: Int, from descriptor: Int32) -> Data? {
        var buffer = [UInt8](repeating: 0, count: count)
        var offset = 0
        while offset < count {
            let got = buffer.withUnsafeMutableBytes { buffer -> Int in
                guard let base = buffer.baseAddress else { return -1 }
                return recv(descriptor, base + offset, count - offset, 0)
            }
            if got > 0 {
                offset += got
            } else if got < 0, errno == EINTR {
                continue
            } else {
                return nil
            }
        }
        return Data(buffer)
    }
}
