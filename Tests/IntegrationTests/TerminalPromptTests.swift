import Foundation
import Testing

/// Questions asked on the terminal, answered through a pseudo-terminal made by util-linux `script`.
@Suite("Terminal prompts", .tags(.integration))
struct TerminalPromptTests {
    let server = TestSSHServer.shared

    /// Runs ferry under a pseudo-terminal, typing `answer` after `delay` seconds.
    func runOnTerminal(_ arguments: [String], answer: String, delay: Double = 0) -> RunResult {
        let command = ([FerryBinary.path] + arguments).map { "'\($0)'" }.joined(separator: " ")
        return Shell.sh("(sleep \(delay); printf '\(answer)\\n') | script -qec \"\(command)\" /dev/null")
    }

    func arguments(knownHosts: String, script: String, key: Bool = true, user: String = "root") -> [String] {
        ["-P", String(server.port)] + (key ? ["-i", server.ed25519Key] : []) + [
            "--known-hosts", knownHosts, "-b", script, "\(user)@127.0.0.1",
        ]
    }

    func pwdScript() -> String {
        let path = TestSSHServer.scratch("tty") + "/pwd.scr"
        try? "pwd\n".write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    @Test func unknownKeyCanBeStored() throws {
        let knownHosts = TestSSHServer.scratch("tty-store") + "/known_hosts"
        let result = runOnTerminal(arguments(knownHosts: knownHosts, script: pwdScript()), answer: "y")
        #expect(result.stdout.contains(server.hostKeyFingerprint))
        #expect(result.stdout.contains("Remote directory is /root"), "\(result.stdout)")
        let stored = try String(contentsOfFile: knownHosts, encoding: .utf8)
        #expect(stored.hasPrefix("[127.0.0.1]:\(server.port) ssh-ed25519 "))
        // Known now: a batch run accepts it without asking.
        let again = FerryBinary.run([
            "-batch", "-P", String(server.port), "-i", server.ed25519Key, "--known-hosts",
            knownHosts, "-b", pwdScript(), "root@127.0.0.1",
        ])
        #expect(again.status == 0, "\(again.stderr)")
    }

    @Test func unknownKeyCanBeTrustedOnce() {
        let knownHosts = TestSSHServer.scratch("tty-once") + "/known_hosts"
        let result = runOnTerminal(arguments(knownHosts: knownHosts, script: pwdScript()), answer: "n")
        #expect(result.stdout.contains("Remote directory is /root"), "\(result.stdout)")
        #expect(!FileManager.default.fileExists(atPath: knownHosts))
    }

    @Test func emptyAnswerAbandonsTheConnection() {
        let knownHosts = TestSSHServer.scratch("tty-no") + "/known_hosts"
        let result = runOnTerminal(arguments(knownHosts: knownHosts, script: pwdScript()) + [], answer: "")
        #expect(!result.stdout.contains("Remote directory is"))
        #expect(result.stdout.contains("is not known"))
    }

    @Test(.enabled(if: getuid() == 0, "the password user needs root to create"))
    func passwordIsAskedWithoutEcho() {
        let result = runOnTerminal(
            arguments(knownHosts: server.knownHosts, script: pwdScript(), key: false, user: TestSSHServer.passwordUser),
            answer: TestSSHServer.password, delay: 2)
        #expect(result.stdout.contains("ferrytest@127.0.0.1's password:"))
        #expect(result.stdout.contains("Remote directory is /home/ferrytest"), "\(result.stdout)")
        #expect(!result.stdout.contains(TestSSHServer.password))
    }

    @Test func missingProxyPasswordIsAsked() {
        let proxy = ProxyServer.tinyproxy(user: "pu", password: "proxy-secret", allowedPort: server.port)
        let result = runOnTerminal(
            arguments(knownHosts: server.knownHosts, script: pwdScript()) + [
                "--proxy", "http://pu@127.0.0.1:\(proxy.port)", "--proxy-localhost",
            ], answer: "proxy-secret", delay: 2)
        #expect(result.stdout.contains("Password for pu at http proxy 127.0.0.1:\(proxy.port):"))
        #expect(result.stdout.contains("Remote directory is /root"), "\(result.stdout)")
        #expect(!result.stdout.contains("proxy-secret"))
    }
}
