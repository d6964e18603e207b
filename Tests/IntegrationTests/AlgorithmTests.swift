import Foundation
import Testing

/// What Ferry offers in the handshake: OpenSSH 9.2's client set by default, the old algorithms only
/// with --legacy-algorithms (or a session's `legacy-algorithms: true`), and a warning naming each
/// old one in use.
@Suite("Algorithms", .tags(.integration))
struct AlgorithmTests {
    /// A server that speaks only what OpenSSH 9.2 no longer offers by default.
    static let legacy = TestSSHServer(
        name: "legacy",
        extraConfig: ["KexAlgorithms diffie-hellman-group14-sha1", "Ciphers aes128-cbc", "MACs hmac-sha1-96"])
    /// A server whose only host key is RSA, signed with SHA-1 (`ssh-rsa`).
    static let rsaHost = TestSSHServer(
        name: "rsa-host", extraConfig: ["HostKey {dir}/id_rsa_pem", "HostKeyAlgorithms ssh-rsa"])

    func pwd(_ server: TestSSHServer, knownHosts: String? = nil, _ extra: [String] = []) -> RunResult {
        FerryBinary.run(
            [
                "-batch", "-P", String(server.port), "-i", server.ed25519Key, "--known-hosts",
                knownHosts ?? server.knownHosts, "-b", "/dev/stdin",
            ] + extra + ["root@127.0.0.1"], input: "pwd\n")
    }

    @Test func aModernServerNegotiatesModernAlgorithmsWithoutWarnings() {
        let result = pwd(TestSSHServer.shared, ["-v"])
        #expect(result.status == 0, "\(result.stderr)")
        for line in ["kex: curve25519-sha256", "hostkey: ssh-ed25519", "cipher: aes128-ctr", "mac: hmac-sha2-256"] {
            #expect(result.stderr.contains(line), "\(line): \(result.stderr)")
        }
        #expect(!result.stderr.contains("legacy"))
    }

    @Test func oldAlgorithmsOnlyWhenAskedAndWithAWarning() throws {
        let refused = pwd(Self.legacy)
        #expect(refused.status == 6, "\(refused.stderr)")
        #expect(refused.stderr.contains("SSH handshake with 127.0.0.1 port \(Self.legacy.port) failed"))
        #expect(refused.stderr.contains("(--legacy-algorithms allows them)"), "\(refused.stderr)")

        let allowed = pwd(Self.legacy, ["--legacy-algorithms"])
        #expect(allowed.status == 0, "\(allowed.stderr)")
        for (kind, name) in [("kex", "diffie-hellman-group14-sha1"), ("cipher", "aes128-cbc"), ("mac", "hmac-sha1-96")]
        {
            #expect(
                allowed.stderr.contains(
                    "warning: 127.0.0.1: using the legacy \(kind) algorithm \(name) (--legacy-algorithms)"),
                "\(allowed.stderr)")
        }

        let folder = TestSSHServer.scratch("legacy-session")
        try """
        host: 127.0.0.1
        port: \(Self.legacy.port)
        user: root
        identity: \(Self.legacy.ed25519Key)
        known-hosts: \(Self.legacy.knownHosts)
        legacy-algorithms: true
        """.write(toFile: folder + "/old.yaml", atomically: true, encoding: .utf8)
        let session = FerryBinary.run(
            ["-batch", "--sessions", folder, "-load", "old", "-b", "/dev/stdin"], input: "pwd\n")
        #expect(session.status == 0, "\(session.stderr)")
        #expect(session.stderr.contains("using the legacy kex algorithm diffie-hellman-group14-sha1"))
    }

    @Test func anRSAHostKeyIsAnOldAlgorithmToo() throws {
        let server = Self.rsaHost
        let known = TestSSHServer.scratch("rsa-host") + "/known_hosts"
        let key = try String(contentsOfFile: server.directory + "/id_rsa_pem.pub", encoding: .utf8)
            .split(separator: " ").prefix(2).joined(separator: " ")
        try "[127.0.0.1]:\(server.port) \(key)\n".write(toFile: known, atomically: true, encoding: .utf8)
        let refused = pwd(server, knownHosts: known)
        #expect(refused.status == 6, "\(refused.stderr)")
        #expect(refused.stderr.contains("--legacy-algorithms allows them"))
        let allowed = pwd(server, knownHosts: known, ["--legacy-algorithms"])
        #expect(allowed.status == 0, "\(allowed.stderr)")
        #expect(allowed.stderr.contains("using the legacy hostkey algorithm ssh-rsa"), "\(allowed.stderr)")
    }
}
