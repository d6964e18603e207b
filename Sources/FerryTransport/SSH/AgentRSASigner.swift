import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// Signs a login with an RSA key held by ssh-agent, asking the agent for an `rsa-sha2-256` signature.
///
/// libssh2 1.10 asks the agent for `ssh-rsa` (SHA-1) signatures only, which current OpenSSH servers
/// refuse. Ferry sends the agent protocol's sign request itself, with the flag that asks for SHA-256,
/// and hands the signature to libssh2 through its sign callback. The agent does all the cryptography.
final class AgentRSASigner: LoginSigner {
    private let socketPath: String
    /// The key as the agent lists it: `ssh-rsa`, e, n.
    private let keyBlob: Data

    /// A signer for `keyBlob`, or nil when the key is not RSA.
    init?(socketPath: String, keyBlob: Data) {
        var reader = SSHWireReader(keyBlob)
        guard reader.readText() == "ssh-rsa" else { return nil }
        self.socketPath = socketPath
        self.keyBlob = keyBlob
    }

    /// The agent's blob with its type renamed `rsa-sha2-256`; e and n follow as they are.
    var publicBlob: Data {
        var writer = SSHWireWriter()
        writer.write(text: "rsa-sha2-256")
        writer.write(raw: keyBlob.dropFirst(4 + "ssh-rsa".utf8.count))
        return writer.bytes
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
    ///
    /// The agent may wait for the user to confirm the key (`ssh-add -c`), so each step may take minutes.
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
        let stream = ProxyStream(descriptor: descriptor, timeout: 300, label: "ssh-agent")
        do {
            try stream.send(Array(framed.bytes))
            let length = try stream.read(4).reduce(0) { $0 << 8 | Int($1) }
            guard length > 0, length <= 256 * 1024 else { return nil }
            return Data(try stream.read(length))
        } catch {
            return nil
        }
    }
}
