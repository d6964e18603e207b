import Foundation

/// A proxy server from Debian (or the Telnet fixture) running for one test, stopped when released.
final class ProxyServer: @unchecked Sendable {
    let port: Int
    let directory: String
    let log: String
    private let pid: Int32

    private init(port: Int, directory: String, log: String, executable: String, arguments: [String]) {
        self.port = port
        self.directory = directory
        self.log = log
        // Started in a session of its own, with every inherited descriptor above 2 closed first: Foundation's
        // Process learns that a child ended when a socket it shares with the child closes, so a server
        // that kept that socket would make the launching shell look alive for ever.
        let closer = "import os,sys; os.closerange(3, 65536); os.execvp(sys.argv[1], sys.argv[1:])"
        let command = (["/usr/bin/python3", "-c", closer, executable] + arguments).map { "'\($0)'" }
            .joined(separator: " ")
        let started = Shell.sh("setsid \(command) >> '\(log)' 2>&1 < /dev/null & echo $!")
        pid = Int32(started.stdout.trimmingCharacters(in: .whitespacesAndNewlines)) ?? 0
        ProxyServer.waitUntilListening(port)
    }

    deinit {
        // microsocks ignores SIGTERM, and danted forks helpers: kill the whole group.
        if pid > 0 {
            kill(-pid, SIGKILL)
            kill(pid, SIGKILL)
        }
    }

    /// What the proxy has logged so far.
    var logText: String { (try? String(contentsOfFile: log, encoding: .utf8)) ?? "" }

    /// Waits until something accepts connections on the loopback `port`.
    static func waitUntilListening(_ port: Int) {
        for _ in 0..<100 {
            let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_addr.s_addr = inet_addr("127.0.0.1")
            address.sin_port = in_port_t(UInt16(port).bigEndian)
            let connected = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
                }
            }
            close(fd)
            if connected == 0 { return }
            usleep(50_000)
        }
    }

    private static func prepare(_ name: String) -> (Int, String, String) {
        let directory = TestSSHServer.scratch(name)
        Shell.sh("chmod 777 \(directory)")
        let log = directory + "/proxy.log"
        _ = FileManager.default.createFile(atPath: log, contents: nil)
        Shell.sh("chmod 666 \(log)")
        return (TestSSHServer.freePort(), directory, log)
    }

    /// tinyproxy with Basic authentication, allowing CONNECT only to `allowedPort`.
    static func tinyproxy(user: String, password: String, allowedPort: Int) -> ProxyServer {
        let (port, directory, log) = prepare("tinyproxy")
        let config = """
            Port \(port)
            Listen 127.0.0.1
            Timeout 60
            LogFile "\(directory)/tinyproxy.log"
            LogLevel Info
            MaxClients 50
            Allow 127.0.0.1
            BasicAuth \(user) \(password)
            ConnectPort \(allowedPort)
            """
        try? config.write(toFile: directory + "/tinyproxy.conf", atomically: true, encoding: .utf8)
        _ = FileManager.default.createFile(atPath: directory + "/tinyproxy.log", contents: nil)
        Shell.sh("chmod 666 \(directory)/tinyproxy.log")
        let server = ProxyServer(
            port: port, directory: directory, log: log, executable: "/usr/bin/tinyproxy",
            arguments: ["-d", "-c", directory + "/tinyproxy.conf"])
        return server
    }

    /// microsocks (SOCKS 5), with username/password when given.
    static func microsocks(user: String? = nil, password: String? = nil) -> ProxyServer {
        let (port, directory, log) = prepare("microsocks")
        var arguments = ["-i", "127.0.0.1", "-p", String(port)]
        if let user, let password { arguments += ["-u", user, "-P", password] }
        return ProxyServer(
            port: port, directory: directory, log: log, executable: "/usr/bin/microsocks",
            arguments: arguments)
    }

    /// Dante's danted, for SOCKS 4 and 4a, logging every connection.
    static func dante() -> ProxyServer {
        let (port, directory, log) = prepare("dante")
        let config = """
            logoutput: \(directory)/danted.log
            internal: 127.0.0.1 port = \(port)
            external: 127.0.0.1
            clientmethod: none
            socksmethod: none
            user.privileged: root
            user.unprivileged: nobody
            client pass {
              from: 127.0.0.0/8 to: 0.0.0.0/0
              log: connect disconnect
            }
            socks pass {
              from: 127.0.0.0/8 to: 0.0.0.0/0
              command: connect
              log: connect disconnect
            }
            """
        try? config.write(toFile: directory + "/danted.conf", atomically: true, encoding: .utf8)
        return ProxyServer(
            port: port, directory: directory, log: log, executable: "/usr/sbin/danted",
            arguments: ["-f", directory + "/danted.conf", "-p", directory + "/danted.pid"])
    }

    /// OpenSSH's own dynamic forwarding (`ssh -D`), which speaks SOCKS 4, 4a and 5; `-vv` logs each request.
    static func sshDynamic(through server: TestSSHServer) -> ProxyServer {
        let (port, directory, log) = prepare("ssh-dynamic")
        return ProxyServer(
            port: port, directory: directory, log: log, executable: "/usr/bin/ssh",
            arguments: [
                "-N", "-vv", "-o", "BatchMode=yes", "-o", "UserKnownHostsFile=\(server.knownHosts)", "-i",
                server.ed25519Key, "-p", String(server.port), "-D", "127.0.0.1:\(port)", "root@127.0.0.1",
            ])
    }

    /// The Telnet-style proxy fixture: reads `connect HOST PORT`, then relays.
    static func telnet() -> ProxyServer {
        let (port, directory, log) = prepare("telnet")
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Fixtures/telnet_proxy.py").path
        return ProxyServer(
            port: port, directory: directory, log: log, executable: "/usr/bin/python3",
            arguments: [script, String(port), directory + "/requests.log"])
    }

    /// A Python fixture from `Fixtures/` listening on a free port, which is passed as its first argument.
    static func fixture(_ name: String, arguments: [String] = []) -> ProxyServer {
        let (port, directory, log) = prepare(name)
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Fixtures/\(name).py").path
        return ProxyServer(
            port: port, directory: directory, log: log, executable: "/usr/bin/python3",
            arguments: [script, String(port)] + arguments)
    }

    /// The WAN stand-in of `scripts/dev/wan-relay.c` in front of the loopback `port`: each chunk held
    /// `delay` milliseconds each way, at most `rate` bytes a second each way. Built once per test run
    /// with the C compiler the Swift toolchain brings.
    static func wanRelay(to port: Int, delay: Int, rate: Int) -> ProxyServer {
        let (listen, directory, log) = prepare("wan-relay")
        return ProxyServer(
            port: listen, directory: directory, log: log, executable: wanRelayProgram,
            arguments: [String(listen), String(port), String(delay), String(rate)])
    }

    private static let wanRelayProgram: String = {
        let source = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("scripts/dev/wan-relay.c")
            .path
        let program = TestSSHServer.scratch("wan-relay-build") + "/wan-relay"
        let built = Shell.sh(
            "compiler=$(command -v cc || command -v clang); \"$compiler\" -O2 -pthread -o '\(program)' '\(source)'")
        precondition(built.status == 0, "cannot build the WAN relay: \(built.stderr)")
        return program
    }()

    /// Reads a file the proxy wrote beside its log.
    func file(_ name: String) -> String {
        (try? String(contentsOfFile: directory + "/" + name, encoding: .utf8)) ?? ""
    }
}
