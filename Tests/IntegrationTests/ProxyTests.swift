import Foundation
import Testing

/// Connections through real proxies; each test checks the proxy's own log to prove the traffic went through it.
@Suite("Proxies", .tags(.integration))
struct ProxyTests {
    let server = TestSSHServer.shared

    func pwd(_ extra: [String], host: String = "127.0.0.1", environment: [String: String] = [:]) -> RunResult {
        FerryBinary.run(
            [
                "-batch", "-P", String(server.port), "-i", server.ed25519Key, "--known-hosts",
                server.knownHosts, "-b", "/dev/stdin",
            ] + extra + ["root@\(host)"],
            environment: environment, input: "pwd\n")
    }

    @Test func httpConnectWithBasicAuth() {
        let proxy = ProxyServer.tinyproxy(user: "proxyuser", password: "proxypass", allowedPort: server.port)
        let url = "http://proxyuser:proxypass@127.0.0.1:\(proxy.port)"
        let ok = pwd(["--proxy", url, "--proxy-localhost"])
        #expect(ok.status == 0, "\(ok.stderr)")
        #expect(proxy.file("tinyproxy.log").contains("CONNECT 127.0.0.1:\(server.port)"))

        let fromEnvironment = pwd(
            ["--proxy", "http://proxyuser@127.0.0.1:\(proxy.port)", "--proxy-localhost"],
            environment: ["FERRY_PROXY_PASSWORD": "proxypass"])
        #expect(fromEnvironment.status == 0, "\(fromEnvironment.stderr)")

        let wrong = pwd(["--proxy", "http://proxyuser:nope@127.0.0.1:\(proxy.port)", "--proxy-localhost"])
        #expect(wrong.status == 5)
        #expect(
            wrong.stderr.contains(
                "http proxy 127.0.0.1:\(proxy.port) rejected the user name or password:"
                    + " HTTP/1.0 401"))
        #expect(!wrong.stderr.contains("nope"))

        let none = pwd(["--proxy", "http://127.0.0.1:\(proxy.port)", "--proxy-localhost"])
        #expect(none.status == 5)
        #expect(none.stderr.contains("wants a user name and password: HTTP/1.0 407"))
    }

    @Test func httpProxyRefusingAForbiddenPort() {
        let proxy = ProxyServer.tinyproxy(user: "u", password: "p", allowedPort: 9)
        let result = pwd(["--proxy", "http://u:p@127.0.0.1:\(proxy.port)", "--proxy-localhost"])
        #expect(result.status == 5)
        #expect(result.stderr.contains("refused to connect to 127.0.0.1:\(server.port): HTTP/1.1 403"))
    }

    @Test func deadProxyIsNamed() {
        let closed = TestSSHServer.freePort()
        let result = pwd(["--proxy", "socks5://127.0.0.1:\(closed)", "--proxy-localhost"])
        #expect(result.status == 5)
        #expect(
            result.stderr.contains(
                "socks5 proxy 127.0.0.1:\(closed) cannot be reached: connection to 127.0.0.1"
                    + " port \(closed) refused"))
    }

    @Test func socks5WithUsernameAndPassword() {
        let proxy = ProxyServer.microsocks(user: "suser", password: "spass")
        let ok = pwd(["--proxy", "socks5://suser:spass@127.0.0.1:\(proxy.port)", "--proxy-localhost"])
        #expect(ok.status == 0, "\(ok.stderr)")
        #expect(proxy.logText.contains("connected to 127.0.0.1:\(server.port)"))
        let wrong = pwd(["--proxy", "socks5://suser:bad@127.0.0.1:\(proxy.port)", "--proxy-localhost"])
        #expect(wrong.status == 5)
        #expect(wrong.stderr.contains("rejected the user name or password"))
        let none = pwd(["--proxy", "socks5://127.0.0.1:\(proxy.port)", "--proxy-localhost"])
        #expect(none.status == 5)
        #expect(none.stderr.contains("wants a user name and password"))
    }

    @Test func socks5ResolvesNamesAtTheProxyOrHere() {
        let proxy = ProxyServer.microsocks()
        let remote = pwd(["--proxy", "socks5://127.0.0.1:\(proxy.port)", "--proxy-localhost"], host: "localhost")
        #expect(remote.status == 0, "\(remote.stderr)")
        #expect(proxy.logText.contains("connected to localhost:\(server.port)"))
        let local = pwd(
            [
                "--proxy", "socks5://127.0.0.1:\(proxy.port)", "--proxy-localhost", "--proxy-dns", "local",
                "-4",
            ], host: "localhost")
        #expect(local.status == 0, "\(local.stderr)")
        #expect(proxy.logText.contains("connected to 127.0.0.1:\(server.port)"))
    }

    @Test func socks4ThroughDante() {
        let proxy = ProxyServer.dante()
        let result = pwd(["--proxy", "socks4://127.0.0.1:\(proxy.port)", "--proxy-localhost"])
        #expect(result.status == 0, "\(result.stderr)")
        let log = proxy.file("danted.log")
        #expect(log.contains("tcp/connect") && log.contains(" 127.0.0.1.\(server.port)"))
    }

    @Test func socks4aSendsTheNameToTheProxy() {
        // Dante 1.4 has no SOCKS 4a; OpenSSH's dynamic forwarding does.
        let proxy = ProxyServer.sshDynamic(through: server)
        let result = pwd(["--proxy", "socks4a://127.0.0.1:\(proxy.port)", "--proxy-localhost"], host: "localhost")
        #expect(result.status == 0, "\(result.stderr)")
        #expect(
            proxy.logText.contains("socks4a host localhost port \(server.port)")
                || proxy.logText.contains("dynamic request: socks4 host localhost port \(server.port)"))
    }

    @Test func telnetProxySendsItsTemplate() {
        let proxy = ProxyServer.telnet()
        let result = pwd(["--proxy", "telnet://127.0.0.1:\(proxy.port)", "--proxy-localhost"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(proxy.file("requests.log") == "connect 127.0.0.1 \(server.port)\n")
    }

    @Test func localProxyCommand() {
        let marker = TestSSHServer.scratch("proxycmd") + "/used"
        let result = pwd(["-proxycmd", "echo %host:%port > \(marker); exec socat - TCP:%h:%p", "--proxy-localhost"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect((try? String(contentsOfFile: marker, encoding: .utf8)) == "127.0.0.1:\(server.port)\n")
        let failing = pwd(["-proxycmd", "exit 7", "--proxy-localhost"])
        #expect(failing.status == 5)
        #expect(failing.stderr.contains("proxy command 'exit 7' failed: it exited with status 7"))
    }

    /// A proxy that drips its answer a byte at a time, or sends headers for ever, is given up as a
    /// whole: within --timeout, and after 64 KiB of headers.
    @Test(arguments: ["drip", "endless", "socks5"])
    func aProxyThatNeverFinishesItsAnswerIsGivenUp(mode: String) {
        let proxy = ProxyServer.fixture("stalling_proxy", arguments: [mode])
        let scheme = mode == "socks5" ? "socks5" : "http"
        let start = ContinuousClock.now
        let result = pwd(["--proxy", "\(scheme)://127.0.0.1:\(proxy.port)", "--proxy-localhost", "--timeout", "3"])
        let took = ContinuousClock.now - start
        #expect(result.status == 5, "\(result.stderr)")
        if mode == "endless" {
            #expect(
                result.stderr.contains(
                    "http proxy 127.0.0.1:\(proxy.port) answered something unexpected: an answer with more than 64 KiB of headers"
                ), "\(result.stderr)")
            #expect(took < .seconds(3))
        } else {
            #expect(
                result.stderr.contains(
                    "\(scheme) proxy 127.0.0.1:\(proxy.port) answered something unexpected: no complete answer within 3 s (--timeout)"
                ), "\(result.stderr)")
            #expect(took >= .seconds(3) && took < .seconds(8), "\(took)")
        }
    }

    @Test func excludedAndLocalHostsGoDirect() {
        let proxy = ProxyServer.microsocks()
        let excluded = pwd([
            "--proxy", "socks5://127.0.0.1:\(proxy.port)", "--proxy-localhost", "--proxy-exclude",
            "db*.internal,127.0.0.0/8",
        ])
        #expect(excluded.status == 0, "\(excluded.stderr)")
        let local = pwd(["--proxy", "socks5://127.0.0.1:\(proxy.port)", "-v"])
        #expect(local.status == 0, "\(local.stderr)")
        #expect(local.stderr.contains("it is this machine (--proxy-localhost changes that)"))
        #expect(!proxy.logText.contains("connected to"))
    }

    @Test func manyFileTransfersUseTheProxyForEveryConnection() {
        let proxy = ProxyServer.microsocks()
        let remote = TestSSHServer.scratch("proxy-mget")
        let local = TestSSHServer.scratch("proxy-mget-local")
        for i in 1...20 { writeRandomFile(remote + "/f\(i)", bytes: 100) }
        let result = FerryBinary.run(
            [
                "-batch", "-P", String(server.port), "-i", server.ed25519Key, "--known-hosts",
                server.knownHosts, "--proxy", "socks5://127.0.0.1:\(proxy.port)",
                "--proxy-localhost", "-b", "/dev/stdin", "root@127.0.0.1",
            ],
            directory: local, input: "cd \(remote)\nmget f*\n")
        #expect(result.status == 0, "\(result.stderr)")
        #expect(proxy.logText.components(separatedBy: "connected to 127.0.0.1:\(server.port)").count - 1 == 4)
    }
}
