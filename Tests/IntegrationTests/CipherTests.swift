import Foundation
import Testing

/// Transfers with the bulk AES-CTR keystream, across server-side re-keys, and with it switched off.
@Suite("AES-CTR keystream in use", .tags(.integration), .serialized)
struct CipherTests {
    /// A server that re-keys every 1 MiB and offers only AES-CTR, so every transfer crosses many re-keys.
    static let server = TestSSHServer(
        name: "rekey", extraConfig: ["RekeyLimit 1M", "Ciphers aes128-ctr,aes192-ctr,aes256-ctr"])

    @Test(arguments: [nil, "off"])
    func transfersAreExactAcrossRekeys(provider: String?) throws {
        let server = Self.server
        let remote = TestSSHServer.scratch("rekey-remote")
        let local = TestSSHServer.scratch("rekey-local")
        writeRandomFile(remote + "/down.bin", bytes: (8 << 20) + 17)
        writeRandomFile(local + "/up.bin", bytes: (6 << 20) + 5)
        let environment = provider.map { ["FERRY_CTR_PROVIDER": $0] } ?? [:]
        let result = server.batch(
            "get \(remote)/down.bin down.bin\nput up.bin \(remote)/up.bin\n", in: local, extra: ["-v"],
            environment: environment)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(checksum(local + "/down.bin") == checksum(remote + "/down.bin"))
        #expect(checksum(remote + "/up.bin") == checksum(local + "/up.bin"))
        #expect(result.stderr.contains("cipher: aes"), "\(result.stderr)")
        #expect(result.stderr.contains("cipher keystream: made in bulk") == (provider == nil), "\(result.stderr)")
    }
}
