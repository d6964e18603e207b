import Foundation
import Testing

@Suite("Authentication", .tags(.integration))
struct AuthenticationTests {
    let server = TestSSHServer.shared

    @Test(arguments: ["id_ed25519", "id_ecdsa", "id_rsa", "id_rsa_pem"])
    func keyFilesLogIn(key: String) {
        let result = server.batch("pwd\n", in: "/tmp", key: server.directory + "/" + key)
        #expect(result.status == 0, "\(key): \(result.stderr)")
        #expect(result.stdout.contains("Remote directory is /root"))
    }

    /// The default sshd refuses ssh-rsa (SHA-1) signatures, so the login itself shows SHA-256 was used;
    /// the -v line says so by name.
    @Test func rsaKeysSignWithSHA256SoCurrentOpenSSHAcceptsThem() {
        let result = server.batch("pwd\n", in: "/tmp", extra: ["-v"], key: server.rsaKey)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stderr.contains("key \(server.rsaKey) accepted (rsa-sha2-256)"), "\(result.stderr)")
        #expect(!result.stderr.contains("trying ssh-rsa"))
    }

    /// A server that is not a recent OpenSSH and takes only ssh-rsa signatures: the rsa-sha2-256 attempt
    /// is refused and the ssh-rsa retry logs in.
    @Test func serverThatTakesOnlySSHRSAGetsTheFallback() {
        let hostile = HostileServer(["pubkey_algorithms": ["ssh-rsa"]])
        Shell.sh("ssh-keygen -q -t rsa -b 2048 -N '' -f \(hostile.directory)/id_rsa")
        let key = hostile.directory + "/id_rsa"
        let result = FerryBinary.run(
            [
                "-batch", "-v", "-P", String(hostile.port), "-i", key, "--known-hosts", hostile.knownHosts,
                "-b", "/dev/stdin", "root@127.0.0.1",
            ], input: "pwd\n")
        #expect(result.status == 0, "\(result.stderr)\n\(hostile.log)")
        #expect(result.stderr.contains("key \(key) refused with rsa-sha2-256; trying ssh-rsa"), "\(result.stderr)")
        #expect(result.stderr.contains("key \(key) accepted (ssh-rsa)"), "\(result.stderr)")
    }

    @Test func encryptedKeyNeedsItsPassphrase() {
        let good = server.batch(
            "pwd\n", in: "/tmp", key: server.encryptedKey,
            environment: ["FERRY_PASSPHRASE": TestSSHServer.passphrase])
        #expect(good.status == 0, "\(good.stderr)")
        let wrong = server.batch(
            "pwd\n", in: "/tmp", key: server.encryptedKey,
            environment: ["FERRY_PASSPHRASE": "not it"])
        #expect(wrong.status == 4)
        #expect(wrong.stderr.contains("wrong passphrase for private key \(server.encryptedKey)"))
        let none = server.batch("pwd\n", in: "/tmp", key: server.encryptedKey)
        #expect(none.status == 4)
        #expect(none.stderr.contains("passphrase-protected and no passphrase was given"))
    }

    /// Encrypted RSA keys sign with SHA-256 in both formats (OpenSSH's through a PEM copy made by
    /// ssh-keygen). Without ssh-keygen an OpenSSH-format key reaches only ssh-rsa servers, and elsewhere
    /// gets a message that says what to do.
    @Test func encryptedRSAKeys() throws {
        let folder = TestSSHServer.scratch("rsa-encrypted")
        let passphrase = "rsa pass"
        Shell.sh(
            """
            cp \(server.rsaKey) \(folder)/openssh && cp \(server.rsaKey) \(folder)/pem
            ssh-keygen -q -p -N '\(passphrase)' -f \(folder)/openssh
            ssh-keygen -q -p -m PEM -N '\(passphrase)' -f \(folder)/pem
            """)
        let environment = ["FERRY_PASSPHRASE": passphrase]
        let pem = server.batch("pwd\n", in: "/tmp", key: folder + "/pem", environment: environment)
        #expect(pem.status == 0, "\(pem.stderr)")
        let openSSH = server.batch("pwd\n", in: "/tmp", key: folder + "/openssh", environment: environment)
        #expect(openSSH.status == 0, "\(openSSH.stderr)")
        let wrong = server.batch(
            "pwd\n", in: "/tmp", key: folder + "/openssh", environment: ["FERRY_PASSPHRASE": "not it"])
        #expect(wrong.stderr.contains("wrong passphrase for private key \(folder)/openssh"), "\(wrong.stderr)")
        #expect(
            try FileManager.default.contentsOfDirectory(atPath: "/dev/shm").allSatisfy { !$0.hasPrefix("ferry-key-") })

        var noKeygen = environment
        noKeygen["PATH"] = "/nonexistent"
        let withoutKeygen = server.batch("pwd\n", in: "/tmp", key: folder + "/openssh", environment: noKeygen)
        #expect(withoutKeygen.status == 4)
        #expect(withoutKeygen.stderr.contains("without OpenSSH's ssh-keygen on PATH"), "\(withoutKeygen.stderr)")
        let legacy = TestSSHServer(name: "legacy-rsa-enc", extraConfig: ["PubkeyAcceptedAlgorithms +ssh-rsa"])
        defer { legacy.stop() }
        Shell.sh("cat \(server.rsaKey).pub >> \(legacy.directory)/authorized_keys")
        let old = legacy.batch("pwd\n", in: "/tmp", key: folder + "/openssh", environment: noKeygen)
        #expect(old.status == 0, "\(old.stderr)")
    }

    /// OpenSSH since 7.2 takes rsa-sha2-256, so a refused RSA key is not offered again with ssh-rsa
    /// (which would use up one more of the server's MaxAuthTries).
    @Test func refusedRSAKeyIsNotRetriedWithSHA1OnCurrentOpenSSH() {
        let folder = TestSSHServer.scratch("rsa-stranger")
        Shell.sh("ssh-keygen -q -t rsa -b 2048 -N '' -f \(folder)/id_rsa -C stranger-rsa")
        let result = server.batch("pwd\n", in: "/tmp", extra: ["-v"], key: folder + "/id_rsa")
        #expect(result.status == 4)
        #expect(result.stderr.contains("key \(folder)/id_rsa refused by the server"), "\(result.stderr)")
        #expect(!result.stderr.contains("trying ssh-rsa"))
    }

    @Test func passwordFromOptionAndEnvironment() {
        let user = TestSSHServer.passwordUser
        let base = ["-batch", "-P", String(server.port), "--known-hosts", server.knownHosts, "-l", user]
        let byOption = FerryBinary.run(
            base + ["-pw", TestSSHServer.password, "-b", "/dev/stdin", "127.0.0.1"],
            input: "pwd\n")
        #expect(byOption.status == 0, "\(byOption.stderr)")
        #expect(byOption.stdout.contains("Remote directory is /home/\(user)"))
        let byEnvironment = FerryBinary.run(
            base + ["-b", "/dev/stdin", "127.0.0.1"],
            environment: ["FERRY_PASSWORD": TestSSHServer.password], input: "pwd\n")
        #expect(byEnvironment.status == 0, "\(byEnvironment.stderr)")
    }

    @Test func wrongPasswordIsOneClearLineAndExitFour() {
        let result = FerryBinary.run(
            [
                "-batch", "-P", String(server.port), "--known-hosts", server.knownHosts,
                "-pw", "wrong-password", "-b", "/dev/stdin",
                "\(TestSSHServer.passwordUser)@127.0.0.1",
            ], input: "pwd\n")
        #expect(result.status == 4)
        let lines = result.stderr.split(separator: "\n")
        #expect(lines.count == 1)
        #expect(
            lines.first?.hasPrefix("ferry: 127.0.0.1: authentication failed for ferrytest@127.0.0.1: tried") == true)
        #expect(!result.stderr.contains("wrong-password"))
    }

    @Test func unauthorisedKeyFailsWithMethodsListed() {
        let result = server.batch("pwd\n", in: "/tmp", key: server.strangerKey)
        #expect(result.status == 4)
        #expect(result.stderr.contains("tried publickey (\(server.strangerKey))"))
        #expect(result.stderr.contains("server accepts publickey,password"))
    }

    @Test func missingKeyFileIsNamed() {
        let result = server.batch("pwd\n", in: "/tmp", key: "/nonexistent/key")
        #expect(result.status == 4)
        #expect(result.stderr.contains("cannot read private key /nonexistent/key: no such file"))
    }

    @Test func keyboardInteractiveAnswersWithThePassword() {
        let pam = TestSSHServer(
            name: "kbdint",
            extraConfig: [
                "UsePAM yes", "KbdInteractiveAuthentication yes", "PasswordAuthentication no",
            ])
        defer { pam.stop() }
        let result = FerryBinary.run(
            [
                "-batch", "-P", String(pam.port), "--known-hosts", pam.knownHosts, "-b",
                "/dev/stdin", "\(TestSSHServer.passwordUser)@127.0.0.1",
            ],
            environment: ["FERRY_PASSWORD": TestSSHServer.password], input: "pwd\n")
        #expect(result.status == 0, "\(result.stderr)")
        let log = (try? String(contentsOfFile: pam.log, encoding: .utf8)) ?? ""
        #expect(log.contains("Accepted keyboard-interactive/pam for ferrytest"))
    }

    /// An ssh-agent started for one test, stopped by its PID when released.
    final class Agent {
        let process: Process
        init(_ process: Process) { self.process = process }
        /// Stops the agent, whatever Foundation thinks of its state.
        func terminate() {
            let pid = process.processIdentifier
            guard pid > 0 else { return }
            kill(pid, SIGKILL)
            process.waitUntilExit()
        }
        deinit { terminate() }
    }

    /// Starts an ssh-agent holding `keys`; returns its socket and the agent to stop.
    func agent(holding keys: [String]) -> (socket: String, process: Agent) {
        let socket = NSTemporaryDirectory() + "ferry-agent-\(UUID().uuidString.prefix(6)).sock"
        let agent = Process()
        agent.executableURL = URL(fileURLWithPath: "/usr/bin/ssh-agent")
        agent.arguments = ["-D", "-a", socket]
        agent.standardInput = FileHandle.nullDevice
        agent.standardOutput = FileHandle.nullDevice
        agent.standardError = FileHandle.nullDevice
        #expect(throws: Never.self) { try agent.run() }
        for _ in 0..<50 where !FileManager.default.fileExists(atPath: socket) { usleep(100_000) }
        for key in keys { Shell.run("/usr/bin/ssh-add", [key], environment: ["SSH_AUTH_SOCK": socket]) }
        return (socket, Agent(agent))
    }

    @Test func agentIsUsedUnlessNoagent() {
        let (socket, agent) = agent(holding: [server.ed25519Key])
        defer { agent.terminate() }
        let base = ["-batch", "-P", String(server.port), "--known-hosts", server.knownHosts, "-b", "/dev/stdin", "-v"]
        let withAgent = FerryBinary.run(
            base + ["root@127.0.0.1"], environment: ["SSH_AUTH_SOCK": socket],
            input: "pwd\n")
        #expect(withAgent.status == 0, "\(withAgent.stderr)")
        #expect(withAgent.stderr.contains("agent key test-ed25519 accepted"))
        let explicit = FerryBinary.run(
            base + ["-agent", "root@127.0.0.1"], environment: ["SSH_AUTH_SOCK": socket],
            input: "pwd\n")
        #expect(explicit.status == 0, "\(explicit.stderr)")
        let without = FerryBinary.run(
            base + ["-noagent", "root@127.0.0.1"], environment: ["SSH_AUTH_SOCK": socket],
            input: "pwd\n")
        #expect(without.status == 4)
    }

    /// libssh2 1.10 would ask the agent for an ssh-rsa (SHA-1) signature, which the default sshd refuses.
    @Test func agentRSAKeysSignWithSHA256() {
        let (socket, agent) = agent(holding: [server.rsaKey])
        defer { agent.terminate() }
        let result = FerryBinary.run(
            [
                "-batch", "-agent", "-P", String(server.port), "--known-hosts", server.knownHosts, "-b",
                "/dev/stdin", "-v", "root@127.0.0.1",
            ],
            environment: ["SSH_AUTH_SOCK": socket], input: "pwd\n")
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stderr.contains("agent key test-rsa accepted (rsa-sha2-256)"), "\(result.stderr)")
        #expect(!result.stderr.contains("trying ssh-rsa"))
    }
}
