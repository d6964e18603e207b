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

    /// known_hosts lines for the server's own key, prefixed with `marker` when given.
    func keyLine(_ marker: String? = nil, hashed: Bool = false) throws -> String {
        let line =
            try String(contentsOfFile: server.knownHosts, encoding: .utf8).split(separator: "\n")
            .first { $0.contains("ssh-ed25519") }.map(String.init) ?? ""
        var text = line
        if hashed {
            let folder = TestSSHServer.scratch("kh-hash-one")
            try (line + "\n").write(toFile: folder + "/kh", atomically: true, encoding: .utf8)
            Shell.sh("ssh-keygen -H -f \(folder)/kh >/dev/null 2>&1")
            text = try String(contentsOfFile: folder + "/kh", encoding: .utf8)
                .trimmingCharacters(in: .whitespacesAndNewlines)
        }
        return marker.map { "\($0) \(text)" } ?? text
    }

    @Test func aRevokedKeyIsRefusedWhereverTheRevocationStands() throws {
        for hashed in [false, true] {
            for revocationFirst in [false, true] {
                let path = TestSSHServer.scratch("kh-revoked") + "/known_hosts"
                let lines = [try keyLine(), try keyLine("@revoked", hashed: hashed)]
                try (revocationFirst ? lines.reversed() : lines).joined(separator: "\n").appending("\n")
                    .write(toFile: path, atomically: true, encoding: .utf8)
                let result = run(["--known-hosts", path])
                #expect(result.status == 3, "hashed \(hashed), first \(revocationFirst): \(result.stderr)")
                #expect(
                    result.stderr.contains(
                        "host key for 127.0.0.1 (\(server.hostKeyFingerprint)) is revoked at \(path):\(revocationFirst ? 1 : 2)"
                    ))
                // A pin does not overrule the revocation.
                let pinned = run(["--known-hosts", path, "-hostkey", server.hostKeyFingerprint])
                #expect(pinned.status == 3, "\(pinned.stderr)")
            }
        }
    }

    @Test func aMisspelledMarkerIsNeverATrustedKey() throws {
        let path = TestSSHServer.scratch("kh-marker") + "/known_hosts"
        try (try keyLine("@REVOKED") + "\n").write(toFile: path, atomically: true, encoding: .utf8)
        let result = run(["--known-hosts", path])
        #expect(result.status == 3, "\(result.stderr)")
        #expect(result.stderr.contains("host key for 127.0.0.1 is not known"))
        #expect(
            result.stderr.contains(
                "warning: \(path):1: unknown marker '@REVOKED' (OpenSSH knows @revoked and @cert-authority); line ignored"
            ))
        try (try keyLine("@cert-authority") + "\n").write(toFile: path, atomically: true, encoding: .utf8)
        #expect(run(["--known-hosts", path]).status == 3)
    }

    @Test func aLineThatIsNotUTF8IsIgnoredWithAWarning() throws {
        let path = TestSSHServer.scratch("kh-latin1") + "/known_hosts"
        var data = Data([0x23, 0x20, 0x4D, 0xFC, 0x6C, 0x6C, 0x65, 0x72, 0x0A])  // "# Müller" in Latin-1
        data += Data([0x6F, 0x6C, 0x64, 0xE9]) + Data(" ssh-ed25519 AAAA\n".utf8)  // a host name in Latin-1
        data += try Data(contentsOf: URL(fileURLWithPath: server.knownHosts))
        try data.write(to: URL(fileURLWithPath: path))
        let result = run(["--known-hosts", path])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stderr == "warning: \(path):2: not valid UTF-8; line ignored\n")
    }

    @Test(.enabled(if: getuid() == 0, "changing a file's owner needs root"))
    func aKeyStoredAtThePromptGoesThroughASymbolicLink() throws {
        let folder = TestSSHServer.scratch("kh-store")
        let real = folder + "/real_known_hosts"
        let link = folder + "/known_hosts"
        Shell.sh("echo '# mine' > \(real) && chmod 600 \(real) && chown 1000:1000 \(real) && ln -s \(real) \(link)")
        let terminal = TerminalSession(
            ["-P", String(server.port), "-i", server.ed25519Key, "--known-hosts", link, "root@127.0.0.1"],
            directory: folder, home: folder)
        #expect(terminal.waitFor("Store key?"), "\(terminal.screen)")
        terminal.type("y")
        terminal.press("Enter")
        #expect(terminal.waitForCurrentLine("ferry>"), "\(terminal.screen)")
        terminal.type("bye")
        terminal.press("Enter")
        #expect(terminal.waitFor("FERRY-EXIT=0"))
        #expect(try FileManager.default.destinationOfSymbolicLink(atPath: link) == real)
        #expect(Shell.sh("stat -c '%a %u %g' \(real)").stdout == "600 1000 1000\n")
        let lines = try String(contentsOfFile: real, encoding: .utf8).split(separator: "\n")
        #expect(
            lines.count == 2 && lines[0] == "# mine" && lines[1].hasPrefix("[127.0.0.1]:\(server.port) ssh-ed25519 "))
    }
}
