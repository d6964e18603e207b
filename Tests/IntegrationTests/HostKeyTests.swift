import Foundation
import Testing

@Suite("Host keys", .tags(.integration))
struct HostKeyTests {
    let server = TestSSHServer.shared

    func run(_ extra: [String]) -> RunResult {
        FerryBinary.run(
            ["-batch", "-P", String(server.port), "-i", server.ed25519Key, "-b", "/dev/stdin"] + extra
                + ["root@127.0.0.1"], input: "pwd\n")
    }

    @Test func unknownKeyInBatchIsRefusedWithItsFingerprint() {
        let empty = TestSSHServer.scratch("kh") + "/known_hosts"
        let result = run(["--known-hosts", empty])
        #expect(result.status == 3)
        #expect(
            result.stderr.contains("host key for 127.0.0.1 is not known (ssh-ed25519 \(server.hostKeyFingerprint))"))
        #expect(!FileManager.default.fileExists(atPath: empty))
    }

    @Test func changedKeyIsAlwaysRefused() throws {
        let path = TestSSHServer.scratch("kh-changed") + "/known_hosts"
        let other = TestSSHServer.scratch("other-key")
        Shell.sh("ssh-keygen -q -t ed25519 -N '' -f \(other)/k")
        let key = try String(contentsOfFile: other + "/k.pub", encoding: .utf8).split(separator: " ").prefix(2)
        try "[127.0.0.1]:\(server.port) \(key.joined(separator: " "))\n".write(
            toFile: path, atomically: true,
            encoding: .utf8)
        let result = run(["--known-hosts", path])
        #expect(result.status == 3)
        #expect(result.stderr.contains("HOST KEY FOR 127.0.0.1 HAS CHANGED"))
        #expect(result.stderr.contains("\(path):1"))
    }

    @Test func hashedKnownHostsEntriesMatch() {
        let folder = TestSSHServer.scratch("kh-hashed")
        Shell.sh(
            "cp \(server.knownHosts) \(folder)/known_hosts && ssh-keygen -H -f \(folder)/known_hosts >/dev/null 2>&1")
        #expect(Shell.sh("grep -c '^|1|' \(folder)/known_hosts").stdout.hasPrefix("3"))
        let result = run(["--known-hosts", folder + "/known_hosts"])
        #expect(result.status == 0, "\(result.stderr)")
    }

    @Test func pinnedFingerprintsOverrideKnownHosts() {
        let empty = TestSSHServer.scratch("kh-pin") + "/known_hosts"
        let sha = run(["--known-hosts", empty, "-hostkey", server.hostKeyFingerprint])
        #expect(sha.status == 0, "\(sha.stderr)")
        let md5 = run(["--known-hosts", empty, "-hostkey", server.hostKeyMD5])
        #expect(md5.status == 0, "\(md5.stderr)")
        let wrong = run([
            "--known-hosts", server.knownHosts, "-hostkey", "SHA256:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
        ])
        #expect(wrong.status == 3)
        #expect(wrong.stderr.contains("matches none of the -hostkey fingerprints"))
    }
}
