import Foundation
import Testing

@Suite("Saved sessions with the built binary", .tags(.integration))
struct SessionTests {
    let server = TestSSHServer.shared

    func profileFolder(_ text: String, name: String = "db1", mode: Int = 0o600) -> String {
        let folder = TestSSHServer.scratch("sessions")
        let path = folder + "/\(name).yaml"
        try? text.write(toFile: path, atomically: true, encoding: .utf8)
        chmod(path, mode_t(mode))
        return folder
    }

    @Test func loadConnectsThroughTheProfilesProxyAndStartDirectories() {
        let proxy = ProxyServer.microsocks(user: "pu", password: "pp")
        let remote = TestSSHServer.scratch("load-remote")
        let local = TestSSHServer.scratch("load-local")
        let folder = profileFolder(
            """
            host: 127.0.0.1
            port: \(server.port)
            user: root
            identity: \(server.ed25519Key)
            known-hosts: \(server.knownHosts)
            remote-directory: \(remote)
            local-directory: \(local)
            proxy:
              type: socks5
              host: 127.0.0.1
              port: \(proxy.port)
              user: pu
              password-env: DB1_PROXY_PASSWORD
              localhost: true
            """)
        let result = FerryBinary.run(
            ["-batch", "--sessions", folder, "-load", "db1", "-b", "/dev/stdin"],
            environment: ["DB1_PROXY_PASSWORD": "pp"], input: "pwd\nlpwd\n")
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("Remote directory is \(remote)"))
        #expect(result.stdout.contains("Current local directory is \(local)"))
        #expect(proxy.logText.contains("connected to 127.0.0.1:\(server.port)"))
    }

    @Test func commandLineOptionsWinOverTheProfile() {
        let folder = profileFolder(
            """
            host: 127.0.0.1
            port: 1
            user: nobody-here
            identity: /no/such/key
            known-hosts: \(server.knownHosts)
            """)
        let result = FerryBinary.run(
            [
                "-batch", "--sessions", folder, "-load", "db1", "-P", String(server.port),
                "-l", "root", "-i", server.ed25519Key, "-b", "/dev/stdin",
            ], input: "pwd\n")
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("Remote directory is /root"))
    }

    @Test func openNameInAScriptLoadsTheProfile() {
        let folder = profileFolder(
            """
            host: 127.0.0.1
            port: \(server.port)
            user: root
            identity: \(server.ed25519Key)
            known-hosts: \(server.knownHosts)
            """, name: "box")
        let result = FerryBinary.run(
            ["-batch", "--sessions", folder, "-b", "/dev/stdin"],
            input: "open box\npwd\nclose\nopen nosuch\n")
        #expect(result.stdout.contains("Remote directory is /root"))
        #expect(result.status == 6)
        #expect(result.stderr.contains("nosuch"))
    }

    @Test func badProfileIsReportedWithFileLineAndKey() {
        let folder = profileFolder("host: x\nhostkey: [a, b]\nproxy:\n  type: http\n  prot: 1\n")
        let result = FerryBinary.run(["-batch", "--sessions", folder, "-load", "db1", "-b", "/dev/null"])
        #expect(result.status == 2)
        #expect(
            result.stderr == "ferry: \(folder)/db1.yaml:5:3: error: unknown key 'proxy.prot' (did you mean"
                + " 'proxy.port'?)\n")
    }

    @Test func clearPasswordReadableByOthersIsRefused() {
        let folder = profileFolder("host: 127.0.0.1\npassword: hunter2\n", mode: 0o644)
        let result = FerryBinary.run(["-batch", "--sessions", folder, "-load", "db1", "-b", "/dev/null"])
        #expect(result.status == 2)
        #expect(result.stderr.contains("holds a password in clear and other users can read it"))
        #expect(!result.stderr.contains("hunter2"))
    }

    @Test func sessionCommandsSaveListShowAndDelete() throws {
        let folder = TestSSHServer.scratch("session-cli")
        let save = FerryBinary.run([
            "session", "save", "web1", "--sessions", folder, "--host", "127.0.0.1", "--port",
            String(server.port), "--user", "root", "-i", server.ed25519Key, "--known-hosts",
            server.knownHosts, "--proxy", "http://proxyuser@proxy.corp:3128",
            "--proxy-password-env", "CORP_PROXY_PASSWORD",
        ])
        #expect(save.status == 0, "\(save.stderr)")
        #expect(save.stdout == "saved \(folder)/web1.yaml\n")
        let list = FerryBinary.run(["session", "list", "--sessions", folder])
        #expect(list.stdout.contains("web1\t\(folder)/web1.yaml"))
        let show = FerryBinary.run(["session", "show", "web1", "--sessions", folder])
        #expect(show.stdout.contains("host: '127.0.0.1'"))
        #expect(show.stdout.contains("password-env: 'CORP_PROXY_PASSWORD'"))
        try "host: h\npassword: s3cret\n".write(toFile: folder + "/clear.yaml", atomically: true, encoding: .utf8)
        chmod(folder + "/clear.yaml", 0o600)
        let masked = FerryBinary.run(["session", "show", "clear", "--sessions", folder])
        #expect(masked.stdout.contains("password: '********'"))
        #expect(!masked.stdout.contains("s3cret"))
        let delete = FerryBinary.run(["session", "delete", "web1", "--sessions", folder])
        #expect(delete.status == 0)
        let again = FerryBinary.run(["session", "delete", "web1", "--sessions", folder])
        #expect(again.status == 2)
        #expect(again.stderr.contains("no saved session 'web1'"))
    }
}

@Suite("PuTTY sessions with the built binary", .tags(.integration))
struct PuTTYSessionIntegrationTests {
    let server = TestSSHServer.shared

    @Test func loadFindsPuTTYSessionsAndImportWritesThem() throws {
        let home = TestSSHServer.scratch("putty-home")
        let folder = home + "/.putty/sessions"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let proxy = ProxyServer.tinyproxy(user: "pu", password: "pp", allowedPort: server.port)
        let text = """
            Protocol=ssh
            HostName=127.0.0.1
            PortNumber=\(server.port)
            UserName=root
            PublicKeyFile=\(server.ed25519Key)
            ProxyMethod=3
            ProxyHost=127.0.0.1
            ProxyPort=\(proxy.port)
            ProxyUsername=pu
            ProxyLocalhost=1

            """
        try text.write(toFile: folder + "/db%20one", atomically: true, encoding: .utf8)
        try "HostName=h\nProxyMethod=7\n".write(toFile: folder + "/jumpy", atomically: true, encoding: .utf8)
        let environment = ["HOME": home, "FERRY_PROXY_PASSWORD": "pp"]
        let result = FerryBinary.run(
            [
                "-batch", "--known-hosts", server.knownHosts, "-load", "db one", "-b",
                "/dev/stdin",
            ], environment: environment, input: "pwd\n")
        #expect(result.status == 0, "\(result.stderr)")
        #expect(proxy.file("tinyproxy.log").contains("CONNECT 127.0.0.1:\(server.port)"))
        let sessions = TestSSHServer.scratch("imported")
        let imported = FerryBinary.run(["session", "import", "--sessions", sessions], environment: environment)
        #expect(imported.stderr.contains("PuTTY session 'jumpy' runs its proxy as an SSH command or subsystem"))
        #expect(imported.status == 2)
        // "db one" is not a usable Ferry name (it has a space), so only the warning names it.
        #expect(imported.stderr.contains("skipping PuTTY session 'db one'"))
    }
}

@Suite("ssh_config hosts with the built binary", .tags(.integration))
struct SSHConfigIntegrationTests {
    let server = TestSSHServer.shared

    @Test func loadAndOpenFindHostsInSSHConfig() throws {
        let home = TestSSHServer.scratch("sshconfig-home", folders: [".ssh"])
        let marker = home + "/proxied"
        try """
        Host box
            HostName 127.0.0.1
            Port \(server.port)
            User root
            IdentityFile \(server.ed25519Key)
            UserKnownHostsFile \(server.knownHosts)
            ProxyCommand sh -c 'echo %h:%p > \(marker); exec socat - TCP:%h:%p'

        """.write(toFile: home + "/.ssh/config", atomically: true, encoding: .utf8)
        let loaded = FerryBinary.run(
            ["-batch", "-load", "box", "-b", "/dev/stdin"], environment: ["HOME": home],
            input: "pwd\n")
        #expect(loaded.status == 0, "\(loaded.stderr)")
        #expect((try? String(contentsOfFile: marker, encoding: .utf8)) == "127.0.0.1:\(server.port)\n")
        let opened = FerryBinary.run(
            ["-batch", "-b", "/dev/stdin"], environment: ["HOME": home],
            input: "open box\npwd\n")
        #expect(opened.status == 0, "\(opened.stderr)")
        #expect(opened.stdout.contains("Remote directory is /root"))
        let sessions = TestSSHServer.scratch("sshconfig-import")
        let imported = FerryBinary.run(["session", "import", "--sessions", sessions], environment: ["HOME": home])
        #expect(imported.status == 0, "\(imported.stderr)")
        #expect(FileManager.default.fileExists(atPath: sessions + "/box.yaml"))
    }
}
