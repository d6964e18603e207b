import Foundation
import Testing

@testable import FerryTransport

@Suite("Proxy wire formats and rules")
struct ProxyWireTests {
    @Test func httpConnectRequestWithBasicAuth() {
        let text = HTTPConnectProxy.request(host: "db1", port: 22, username: "proxyuser", password: "s3cret")
        let token = Data("proxyuser:s3cret".utf8).base64EncodedString()
        #expect(text == "CONNECT db1:22 HTTP/1.1\r\nHost: db1:22\r\nProxy-Authorization: Basic \(token)\r\n\r\n")
        #expect(
            HTTPConnectProxy.request(host: "::1", port: 2222, username: nil, password: nil)
                == "CONNECT [::1]:2222 HTTP/1.1\r\nHost: [::1]:2222\r\n\r\n")
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

    @Test func templatesExpandPuTTYAndOpenSSHTokens() {
        #expect(
            ProxySettings.expand("connect %host %port\\n", host: "db1", port: 22, user: nil, password: nil)
                == "connect db1 22\n")
        #expect(ProxySettings.expand("nc %h %p", host: "db1", port: 2222, user: nil, password: nil) == "nc db1 2222")
        #expect(
            ProxySettings.expand("%user:%pass 100%% \\x41\\r", host: "h", port: 1, user: "u", password: "p")
                == "u:p 100% A\r")
        #expect(ProxySettings.expand("50%x", host: "h", port: 1, user: nil, password: nil) == "50%x")
    }
}
