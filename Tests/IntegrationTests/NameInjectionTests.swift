import Foundation
import Testing

/// Host and user names that carry shell syntax, from every place a target enters, with a proxy
/// command ready to run them: none may run anything on this machine. Each case runs in a fresh
/// folder, and the `PWNED` file the names try to create must not appear there.
@Suite("Host names never reach a shell", .tags(.integration))
struct NameInjectionTests {
    let server = TestSSHServer.shared
    /// A host name that runs `touch PWNED` if a shell ever reads it unquoted.
    static let evilHost = "x;touch${IFS}PWNED"
    static let proxyCommand = "exec socat - TCP:%host:%port"

    /// Runs ferry in a fresh folder (also its HOME) and says whether PWNED appeared there.
    func attempt(
        _ arguments: [String], script: String = "pwd\n", files: [String: String] = [:], batch: Bool = true
    ) -> (result: RunResult, pwned: Bool, folder: String) {
        let folder = TestSSHServer.scratch("inject")
        for (name, text) in files {
            let path = folder + "/" + name
            try? FileManager.default.createDirectory(
                atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            try? text.write(toFile: path, atomically: true, encoding: .utf8)
            chmod(path, 0o600)
        }
        try? script.write(toFile: folder + "/s.scr", atomically: true, encoding: .utf8)
        let options = ["-batch", "-i", server.ed25519Key, "--known-hosts", server.knownHosts, "-b", folder + "/s.scr"]
        let result = FerryBinary.run(
            (batch ? options : []) + arguments, directory: folder, environment: ["HOME": folder])
        // Give a proxy command that slipped through a moment to run.
        usleep(200_000)
        return (result, FileManager.default.fileExists(atPath: folder + "/PWNED"), folder)
    }

    @Test func aGoodNameStillGoesThroughTheProxyCommand() {
        let run = attempt(["-P", String(server.port), "-proxycmd", Self.proxyCommand, "--proxy-localhost", "127.0.0.1"])
        #expect(run.result.status == 0, "\(run.result.stderr)")
    }

    @Test func commandLineTarget() {
        for target in [
            Self.evilHost, "x$(touch PWNED)", "x`touch PWNED`", "root;touch${IFS}PWNED@127.0.0.1",
        ] {
            let run = attempt(["-proxycmd", Self.proxyCommand, "--proxy-localhost", target])
            #expect(run.result.status == 2, "\(target): \(run.result.stderr)")
            #expect(run.result.stderr.contains("is not a usable"), "\(target): \(run.result.stderr)")
            #expect(!run.pwned, "\(target)")
        }
        let user = attempt(["-proxycmd", "exec socat - TCP:%h:%p # %r", "-l", "u;touch${IFS}PWNED", "127.0.0.1"])
        #expect(user.result.status == 2)
        #expect(
            user.result.stderr.contains("ferry: -l: 'u;touch${IFS}PWNED' is not a usable user name: it contains ';'"))
        #expect(!user.pwned)
    }

    @Test func jumpHost() {
        let run = attempt([
            "-P", String(server.port), "-proxycmd", Self.proxyCommand, "--proxy-localhost", "-J", Self.evilHost,
            "127.0.0.1",
        ])
        #expect(run.result.status == 2)
        #expect(
            run.result.stderr.contains(
                "jump host: not a saved session, and 'x;touch${IFS}PWNED' is not a usable host name: it contains ';'"))
        #expect(!run.pwned)
    }

    @Test func openWithAParameterOrAnArgument() {
        let byName = attempt(
            [
                "-P", String(server.port), "-proxycmd", Self.proxyCommand, "--proxy-localhost", "-D",
                "HOST=\(Self.evilHost)",
            ],
            script: "open ${HOST}\npwd\n")
        #expect(byName.result.status == 2, "\(byName.result.stderr)")
        #expect(byName.result.stderr.contains("open: 'x;touch${IFS}PWNED' is not a usable host name: it contains ';'"))
        #expect(!byName.pwned)
        let byPosition = attempt(
            ["-P", String(server.port), "-proxycmd", Self.proxyCommand, "--proxy-localhost", "--", "$(touch PWNED)"],
            script: "open $1\npwd\n")
        #expect(byPosition.result.status == 2)
        #expect(byPosition.result.stderr.contains("is not a usable host name: it contains '$'"))
        #expect(!byPosition.pwned)
        let interactive = attempt(
            ["-P", String(server.port), "-proxycmd", Self.proxyCommand, "--proxy-localhost"],
            script: "open evil;touch$${IFS}PWNED@127.0.0.1\n")
        #expect(interactive.result.status == 2)
        #expect(interactive.result.stderr.contains("is not a usable user name: it contains ';'"))
        #expect(!interactive.pwned)
    }

    @Test func hostsFile() {
        let run = attempt(
            ["-proxycmd", Self.proxyCommand, "--proxy-localhost", "--hosts", "hosts.txt"],
            files: ["hosts.txt": "127.0.0.1\n\(Self.evilHost) web\nu$(touch${IFS}PWNED)@127.0.0.1\n-oProxyCommand=x\n"])
        #expect(run.result.status == 2, "\(run.result.stderr)")
        #expect(
            run.result.stderr.contains(
                "hosts.txt:2: not a saved session, and 'x;touch${IFS}PWNED' is not a usable host name: it contains ';'")
        )
        #expect(
            run.result.stderr.contains(
                "hosts.txt:3: not a saved session, and 'u$(touch${IFS}PWNED)' is not a usable user name: it contains '$'"
            ))
        #expect(!run.pwned)
    }

    @Test func savedSessionWithAProxyCommand() {
        let profile = """
            host: '\(Self.evilHost)'
            port: \(server.port)
            proxy:
              type: command
              command: '\(Self.proxyCommand)'
              localhost: true
            """
        let run = attempt(["--sessions", "s", "-load", "evil"], files: ["s/evil.yaml": profile])
        #expect(run.result.status == 2, "\(run.result.stderr)")
        #expect(
            run.result.stderr.contains("evil.yaml:1:1: error: host: 'x;touch${IFS}PWNED' is not a usable host name"))
        #expect(!run.pwned)
        // A good session, given a bad user on the command line: the user is refused before the proxy runs.
        let good = """
            host: 127.0.0.1
            port: \(server.port)
            proxy:
              type: command
              command: 'exec socat - TCP:%h:%p # %r'
              localhost: true
            """
        let user = attempt(
            ["--sessions", "s", "-load", "good", "-l", "a;touch${IFS}PWNED"], files: ["s/good.yaml": good])
        #expect(user.result.status == 2)
        #expect(!user.pwned)
        let saved = attempt(["session", "save", "bad", "--host", Self.evilHost, "--sessions", "s"], batch: false)
        #expect(saved.result.status != 0)
        #expect(saved.result.stderr.contains("is not a usable host name"), "\(saved.result.stderr)")
        #expect(!FileManager.default.fileExists(atPath: saved.folder + "/s/bad.yaml"))
    }

    @Test func sshConfigHost() {
        let config = """
            Host evil
                HostName \(Self.evilHost)
                Port \(server.port)
                ProxyCommand sh -c 'exec socat - TCP:%h:%p'

            """
        let run = attempt(["-load", "evil"], files: [".ssh/config": config])
        #expect(run.result.status == 2, "\(run.result.stderr)")
        #expect(
            run.result.stderr.contains(".ssh/config:2:1: error: host: 'x;touch${IFS}PWNED' is not a usable host name"))
        #expect(!run.pwned)
        let imported = attempt(
            ["session", "import", "--sessions", "imported"], files: [".ssh/config": config], batch: false)
        #expect(imported.result.status != 0)
        #expect(imported.result.stderr.contains("is not a usable host name"))
        #expect(!FileManager.default.fileExists(atPath: imported.folder + "/imported/evil.yaml"))
        #expect(!imported.pwned)
    }

    @Test func puttySession() {
        let session = """
            Protocol=ssh
            HostName=\(Self.evilHost)
            PortNumber=\(server.port)
            ProxyMethod=5
            ProxyTelnetCommand=exec socat - TCP:%host:%port
            ProxyLocalhost=1

            """
        let run = attempt(["-load", "evil"], files: [".putty/sessions/evil": session])
        #expect(run.result.status == 2, "\(run.result.stderr)")
        #expect(run.result.stderr.contains("evil:1:1: error: host: 'x;touch${IFS}PWNED' is not a usable host name"))
        #expect(!run.pwned)
        let imported = attempt(
            ["session", "import", "--sessions", "imported"], files: [".putty/sessions/evil": session], batch: false)
        #expect(imported.result.status != 0)
        #expect(!FileManager.default.fileExists(atPath: imported.folder + "/imported/evil.yaml"))
        #expect(!imported.pwned)
    }

    @Test func telnetProxyNeverGetsASecondLine() {
        let proxy = ProxyServer.telnet()
        // A proxy user name holding CR LF would send the proxy a second command line.
        let templated = FerryBinary.run(
            [
                "-batch", "-i", server.ed25519Key, "--known-hosts", server.knownHosts, "-b", "/dev/stdin", "-P",
                String(server.port), "--proxy-localhost", "-load", "tn", "--sessions",
                sessionFolder(
                    """
                    proxy:
                      type: telnet
                      host: 127.0.0.1
                      port: \(proxy.port)
                      user: "u\\r\\nconnect 127.0.0.1 22"
                      command: 'login %user\\nconnect %host %port\\n'
                      localhost: true
                    host: 127.0.0.1
                    """, name: "tn"),
            ], input: "pwd\n")
        #expect(templated.status == 5, "\(templated.stderr)")
        #expect(
            templated.stderr.contains(
                "telnet proxy 127.0.0.1:\(proxy.port) not used: the user name holds a line break or NUL"))
        #expect(!proxy.file("requests.log").contains("connect 127.0.0.1 22"))
    }

    @Test func httpConnectNeverGetsAnExtraHeader() {
        let proxy = ProxyServer.tinyproxy(user: "pu", password: "pp", allowedPort: server.port)
        let run = attempt([
            "-P", String(server.port), "--proxy", "http://pu%0D%0AX-Injected:%201:pp@127.0.0.1:\(proxy.port)",
            "--proxy-localhost", "127.0.0.1",
        ])
        #expect(run.result.status == 5, "\(run.result.stderr)")
        #expect(run.result.stderr.contains("not used: the user name holds a line break or NUL"))
        #expect(!proxy.file("tinyproxy.log").contains("X-Injected"))
    }

    func sessionFolder(_ text: String, name: String) -> String {
        let folder = TestSSHServer.scratch("inject-sessions")
        try? text.write(toFile: folder + "/\(name).yaml", atomically: true, encoding: .utf8)
        return folder
    }
}
