import Foundation
import Testing

@testable import FerryTransport

@Suite("Proxy wire formats and rules")
struct ProxyWireTests {
    @Test func httpConnectRequestWithBasicAuth() throws {
        let text = try HTTPConnectProxy.request(host: "db1", port: 22, username: "proxyuser", password: "s3cret")
        let token = Data("proxyuser:s3cret".utf8).base64EncodedString()
        #expect(text == "CONNECT db1:22 HTTP/1.1\r\nHost: db1:22\r\nProxy-Authorization: Basic \(token)\r\n\r\n")
        #expect(
            try HTTPConnectProxy.request(host: "::1", port: 2222, username: nil, password: nil)
                == "CONNECT [::1]:2222 HTTP/1.1\r\nHost: [::1]:2222\r\n\r\n")
    }

    @Test func httpConnectRequestRefusesLineBreaksInAnyValue() {
        for (host, user, password) in [
            ("db1\r\nX-Evil: 1", nil, nil), ("db1", "u\nX: y", "p"), ("db1", "u", "p\r\n"), ("db1", "u\0", nil),
            ("db 1", nil, nil),
        ] as [(String, String?, String?)] {
            #expect(throws: ProxyTemplate.Refusal.self) {
                try HTTPConnectProxy.request(host: host, port: 22, username: user, password: password)
            }
        }
    }

    @Test func socks4And4aRequests() {
        #expect(
            SOCKSProxy.request4(address: [10, 0, 0, 1], name: nil, port: 22, userID: "bob")
                == [4, 1, 0, 22, 10, 0, 0, 1] + Array("bob".utf8) + [0])
        #expect(
            SOCKSProxy.request4(address: nil, name: "db1", port: 2222, userID: "")
                == [4, 1, 0x08, 0xae, 0, 0, 0, 1, 0] + Array("db1".utf8) + [0])
        #expect(SOCKSProxy.reply4Words(91).contains("rejected"))
    }

    @Test func socks5Messages() {
        #expect(SOCKSProxy.greeting5(withCredentials: false) == [5, 1, 0])
        #expect(SOCKSProxy.greeting5(withCredentials: true) == [5, 2, 0, 2])
        #expect(SOCKSProxy.credentials5(username: "u", password: "pw") == [1, 1, 117, 2, 112, 119])
        #expect(
            SOCKSProxy.request5(address: nil, name: "db1", port: 22) == [5, 1, 0, 3, 3] + Array("db1".utf8) + [0, 22])
        #expect(SOCKSProxy.request5(address: [127, 0, 0, 1], name: "", port: 80) == [5, 1, 0, 1, 127, 0, 0, 1, 0, 80])
        #expect(SOCKSProxy.reply5Words(5) == "connection refused")
        #expect(SOCKSProxy.reply5Words(2) == "connection not allowed by ruleset")
    }

    @Test func proxyURLs() throws {
        let http = try #require(ProxySettings(url: "http://proxyuser@proxy.corp:3128"))
        #expect(http.kind == .http && http.host == "proxy.corp" && http.port == 3128 && http.username == "proxyuser")
        let socks = try #require(ProxySettings(url: "socks5://u:p%40ss@gw"))
        #expect(socks.kind == .socks5 && socks.port == 1080 && socks.password == "p@ss")
        #expect(ProxySettings(url: "socks4a://gw:1081")?.kind == .socks4a)
        #expect(ProxySettings(url: "ftp://gw") == nil)
        #expect(ProxySettings(url: "gw:3128") == nil)
    }

    @Test func excludeListAndLocalhostRule() {
        var proxy = ProxySettings(kind: .http, host: "p", port: 3128)
        proxy.exclude = ["*.internal", "10.0.0.0/8", "db9"]
        #expect(proxy.applies(to: "db1.example.org"))
        #expect(!proxy.applies(to: "db1.internal"))
        #expect(!proxy.applies(to: "10.1.2.3"))
        #expect(proxy.applies(to: "11.1.2.3"))
        #expect(!proxy.applies(to: "DB9"))
        #expect(!proxy.applies(to: "127.0.0.1"))
        #expect(!proxy.applies(to: "localhost"))
        proxy.proxyLocalhost = true
        #expect(proxy.applies(to: "127.0.0.1"))
    }

    func expand(
        _ text: String, host: String = "h", port: Int = 1, user: String? = nil, password: String? = nil,
        for destination: ProxyTemplate.Destination = .line
    ) throws -> String {
        try ProxyTemplate(text).expand(host: host, port: port, user: user, password: password, for: destination)
    }

    @Test func templatesExpandPuTTYAndOpenSSHTokens() throws {
        #expect(try expand("connect %host %port\\n", host: "db1", port: 22) == "connect db1 22\n")
        #expect(try expand("nc %h %p", host: "db1", port: 2222, for: .shell) == "nc db1 2222")
        #expect(try expand("%user:%pass 100%% \\x41\\r", user: "u", password: "p") == "u:p 100% A\r")
        #expect(try expand("50%x") == "50%x")
        #expect(
            try expand("ssh -W %h:%p gw # %r", host: "::1", port: 22, user: "me", for: .shell)
                == "ssh -W ::1:22 gw # me")
    }

    @Test func aLineProtocolRefusesValuesThatWouldStartAnotherLine() throws {
        for (host, user, password) in [("db1\nconnect evil 22", nil, nil), ("db1", "u\r", nil), ("db1", nil, "p\0")]
            as [(String, String?, String?)]
        {
            #expect(throws: ProxyTemplate.Refusal.self) {
                try expand("login %user %pass\\nconnect %host %port\\n", host: host, user: user, password: password)
            }
        }
        // A template that does not use a value does not care what it holds.
        #expect(try expand("connect %host %port\\n", host: "db1", port: 22, user: "u\r\n") == "connect db1 22\n")
    }

    /// The second wall: whatever a value holds, a shell given the expanded command sees it as one
    /// literal word, in every quoting the template may put it in.
    @Test func aShellCommandKeepsEveryValueOneLiteralWord() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("ferry-template-\(UUID())").path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let hostile = [
            "x;touch PWNED", "$(touch PWNED)", "`touch PWNED`", "a'b", "a\"b", "a\\", "\\", "'", "\"",
            "$HOME", "a\nb", "*", "-n", "", " lead", "a'\"$(touch PWNED)\"'b", "${IFS}", "\\$(touch PWNED)",
        ]
        let templates = [
            "printf '%%s\\\\n' %host", "printf '%%s\\\\n' '%host'", "printf '%%s\\\\n' \"%host\"",
            "printf '%%s\\\\n' x%host'y'\"z\"",
        ]
        for template in templates {
            for value in hostile {
                let command = try expand(template, host: value, for: .shell)
                let process = Process()
                process.executableURL = URL(fileURLWithPath: "/bin/sh")
                process.arguments = ["-c", command]
                process.currentDirectoryURL = URL(fileURLWithPath: folder)
                let output = Pipe()
                process.standardOutput = output
                try process.run()
                let data = output.fileHandleForReading.readDataToEndOfFile()
                process.waitUntilExit()
                let expected = template.hasSuffix("y'\"z\"") ? "x\(value)yz\n" : "\(value)\n"
                #expect(String(decoding: data, as: UTF8.self) == expected, "\(template) with \(value): \(command)")
                #expect(!FileManager.default.fileExists(atPath: folder + "/PWNED"), "\(template) with \(value)")
            }
        }
    }

    @Test func aBackslashRightBeforeAValueIsRefusedInAShellCommand() {
        #expect(throws: ProxyTemplate.Refusal.self) { try expand("nc \\\\%host 22", host: "h", for: .shell) }
    }
}

@Suite("Algorithms offered")
struct AlgorithmListTests {
    @Test func theDefaultsAreOpenSSH92sWithinLibssh2() {
        let modern = Algorithms.kinds.flatMap(\.modern)
        for old in [
            "-sha1", "cbc", "md5", "ripemd", "3des", "arcfour", "blowfish", "cast128", "ssh-rsa", "ssh-dss", "-96",
        ] {
            #expect(!modern.contains { $0 != "hmac-sha1" && $0.contains(old) }, "\(old)")
        }
        // hmac-sha1 stays: OpenSSH 9.2's client still offers it.
        #expect(modern.contains("hmac-sha1"))
        #expect(
            Algorithms.legacyNames.isSuperset(of: ["diffie-hellman-group1-sha1", "ssh-rsa", "aes256-cbc", "hmac-md5"]))
        #expect(Algorithms.legacyNames.isDisjoint(with: modern))
    }
}
