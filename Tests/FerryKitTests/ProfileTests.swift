import Foundation
import Testing

@testable import FerryBase
@testable import FerrySessions
@testable import FerryTransport

@Suite("Saved sessions")
struct ProfileTests {
    func folder() throws -> String { try scratchFolder("profiles") }

    func store(_ folder: String) -> ProfileStore {
        ProfileStore(
            explicit: folder, environment: ["XDG_CONFIG_HOME": folder + "/xdg"], currentDirectory: folder,
            home: folder)
    }

    @Test func parsesEveryKey() throws {
        let text = """
            host: db1.internal
            port: 2222
            user: root
            identity: [~/.ssh/id_ed25519, /keys/backup]
            hostkey: SHA256:abc
            known-hosts: /etc/ferry/known_hosts
            compression: yes
            keepalive: 15
            connect-timeout: 5
            inplace: true
            verify: true
            retries: 7
            remote-directory: /backup
            local-directory: /srv/backups
            password-env: DB1_PASSWORD
            proxy:
              type: http
              host: proxy.corp
              port: 3128
              user: proxyuser
              password-env: PROXY_PASSWORD
              exclude: "*.internal, 10.0.0.0/8"
              dns: remote
              localhost: false
            """
        let profile = try ProfileParser.parse(text, name: "db1", file: "db1.yaml")
        #expect(profile.host == "db1.internal" && profile.port == 2222 && profile.user == "root")
        #expect(profile.identityFiles == ["~/.ssh/id_ed25519", "/keys/backup"])
        #expect(profile.hostKeys == ["SHA256:abc"] && profile.compression == true && profile.keepalive == 15)
        #expect(profile.password?.environment == "DB1_PASSWORD")
        #expect(profile.inPlace == true && profile.verify == true && profile.retries == 7)
        #expect(profile.proxy?.kind == .http && profile.proxy?.exclude == ["*.internal", "10.0.0.0/8"])
        #expect(profile.proxy?.dns == .remote && profile.proxy?.password.environment == "PROXY_PASSWORD")
    }

    @Test func proxyMayBeAURL() throws {
        let profile = try ProfileParser.parse("host: h\nproxy: socks5://u@gw:1081\n", name: "p", file: "p.yaml")
        #expect(profile.proxy == ConnectionSettings.Proxy(kind: .socks5, host: "gw", port: 1081, user: "u"))
    }

    @Test(arguments: [
        ("host: h\nprot: 22\n", "p.yaml:2:1: error: unknown key 'prot' (did you mean 'port'?)"),
        ("host: h\nport: many\n", "p.yaml:2:7: error: port: expected a whole number"),
        ("host: h\nport: 70000\n", "p.yaml:2:7: error: port: 70000 is outside 1...65535"),
        ("compression: maybe\n", "p.yaml:1:14: error: compression: expected true or false"),
        (
            "proxy:\n  type: ftp\n",
            "p.yaml:2:9: error: proxy.type: 'ftp' is not one of http, socks4, socks4a, socks5, telnet, command"
        ),
        (
            "proxy:\n  type: http\n  hots: x\n",
            "p.yaml:3:3: error: unknown key 'proxy.hots' (did you mean 'proxy.host'?)"
        ),
        ("proxy:\n  type: command\n", "p.yaml:2:3: error: proxy: type command needs 'command'"),
        ("- a\n- b\n", "p.yaml:1:1: error: expected a session as 'key: value' lines"),
    ])
    func reportsFileLineAndKey(text: String, message: String) {
        #expect {
            try ProfileParser.parse(text, name: "p", file: "p.yaml")
        } throws: { error in
            (error as? ProfileError)?.description == message
        }
    }

    @Test func clearPasswordsNeedAPrivateFile() throws {
        let dir = try folder()
        try "host: h\npassword: hunter2\n".write(toFile: dir + "/open.yaml", atomically: true, encoding: .utf8)
        chmod(dir + "/open.yaml", 0o644)
        #expect(throws: ProfileError.unsafeSecret(file: dir + "/open.yaml", what: "a password")) {
            try store(dir).load("open")
        }
        chmod(dir + "/open.yaml", 0o600)
        #expect(try store(dir).load("open").password?.value == "hunter2")
    }

    @Test func secretsComeFromEnvironmentOrPrivateFiles() throws {
        let dir = try folder()
        #expect(
            try ProfileStore.reveal(
                ConnectionSettings.Secret(environment: "PW"), source: "x", what: "password",
                environment: ["PW": "from-env"]) == "from-env")
        #expect(throws: ProfileError.self) {
            try ProfileStore.reveal(
                ConnectionSettings.Secret(environment: "PW"), source: "x", what: "password",
                environment: [:])
        }
        try "from-file\n".write(toFile: dir + "/pw", atomically: true, encoding: .utf8)
        chmod(dir + "/pw", 0o600)
        #expect(
            try ProfileStore.reveal(
                ConnectionSettings.Secret(file: dir + "/pw"), source: "x", what: "password",
                environment: [:]) == "from-file")
        chmod(dir + "/pw", 0o640)
        #expect(throws: ProfileError.self) {
            try ProfileStore.reveal(
                ConnectionSettings.Secret(file: dir + "/pw"), source: "x", what: "password",
                environment: [:])
        }
    }

    @Test func saveListShowDeleteRoundTrip() throws {
        let dir = try folder()
        var profile = Profile(name: "web1")
        profile.host = "web1.example.org"
        profile.port = 2200
        profile.identityFiles = ["/k/it's a key"]
        var proxy = ConnectionSettings.Proxy(kind: .socks5, host: "gw", port: 1080, user: "u")
        proxy.password = ConnectionSettings.Secret(environment: "GW_PW")
        proxy.exclude = ["*.lan"]
        profile.proxy = proxy
        let path = try store(dir).save(profile)
        #expect(path == dir + "/web1.yaml")
        #expect(try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int == 0o600)
        var loaded = try store(dir).load("web1")
        loaded.path = nil
        #expect(loaded == profile)
        #expect(store(dir).list().map(\.name) == ["web1"])
        #expect(try store(dir).delete("web1") == path)
        #expect(store(dir).list().isEmpty)
        #expect(throws: ProfileError.invalidName("../evil")) { try store(dir).load("../evil") }
    }

    @Test func commandLineWinsOverProfileWhichWinsOverDefaults() throws {
        var profile = Profile(name: "db1")
        profile.host = "db1"
        profile.port = 2222
        profile.user = "backup"
        profile.identityFiles = ["~/.ssh/db1"]
        profile.compression = true
        var line = ConnectionSettings()
        line.port = 2200
        let base = ConnectOptions(
            auth: AuthOptions(user: "me"),
            verifier: HostKeyVerifier(pins: [], knownHostsPath: "/kh", prompter: nil))
        let resolver = SessionResolver(
            commandLine: line, base: base, defaultUser: "me", environment: [:],
            home: "/home/me")
        let resolved = try resolver.resolve(profile)
        #expect(resolved.target == ConnectionTarget(host: "db1", port: 2200, user: "backup"))
        #expect(resolved.options.auth.identityFiles == ["/home/me/.ssh/db1"])
        #expect(resolved.options.transport.compression)
        #expect(resolved.options.connectTimeout == 30)
        line.identityFiles = ["/cli/key"]
        line.user = "root"
        let cli = try SessionResolver(
            commandLine: line, base: base, defaultUser: "me", environment: [:],
            home: "/home/me"
        ).resolve(profile)
        #expect(cli.options.auth.identityFiles == ["/cli/key"])
        #expect(cli.target?.user == "root")
        // The host's own name, as written, wins over -l and -P.
        let named = try SessionResolver(
            commandLine: line, base: base, defaultUser: "me", environment: [:], home: "/home/me"
        ).resolve(nil, target: try ConnectionSettings(naming: "ops@web1:2022"))
        #expect(named.target == ConnectionTarget(host: "web1", port: 2022, user: "ops"))
        let bare = try SessionResolver(
            commandLine: line, base: base, defaultUser: "me", environment: [:], home: "/home/me"
        ).resolve(nil, target: try ConnectionSettings(naming: "web1"))
        #expect(bare.target == ConnectionTarget(host: "web1", port: 2200, user: "root"))
    }

    @Test func sshConfigLiesUnderTheSessionOfItsName() throws {
        var profile = Profile(name: "db1")
        (profile.host, profile.user) = ("db1.example.org", "fromsession")
        profile.path = "/sessions/db1.yaml"
        let base = ConnectOptions(
            auth: AuthOptions(user: "me"), verifier: HostKeyVerifier(pins: [], knownHostsPath: "/kh", prompter: nil))
        var resolver = SessionResolver(
            commandLine: ConnectionSettings(), base: base, defaultUser: "me", environment: [:], home: "/home/me")
        resolver.sshConfig = SSHConfig(
            path: "/home/me/.ssh/config",
            text: "Host db1\n  User fromconfig\n  Port 2022\n  IdentityFile ~/.ssh/db1key\nHost other\n  Port 1\n")
        let resolved = try resolver.resolve(profile)
        #expect(resolved.target == ConnectionTarget(host: "db1.example.org", port: 2022, user: "fromsession"))
        #expect(resolved.options.auth.identityFiles == ["/home/me/.ssh/db1key"])
        // A session read from ~/.ssh/config itself is not stacked on itself; another name has no underlay.
        var other = Profile(name: "web9")
        other.host = "web9"
        #expect(try resolver.resolve(other).target == ConnectionTarget(host: "web9", port: 22, user: "me"))
    }

    @Test func eachValueComesFromTheHighestLayerThatGivesOne() {
        var low = ConnectionSettings()
        (low.host, low.port, low.user, low.retries) = ("a", 2222, "alice", 5)
        low.identityFiles = ["/k1", "/k2"]
        low.proxy = ConnectionSettings.Proxy(kind: .http, host: "p", port: 3128, user: "pu")
        low.password = ConnectionSettings.Secret(environment: "PW")
        var high = ConnectionSettings()
        (high.port, high.verify) = (2200, false)
        high.identityFiles = ["/k3"]
        high.proxy = ConnectionSettings.Proxy(kind: .command)
        let stacked = ConnectionSettings.stacked([low, nil, high])
        #expect(stacked.host == "a" && stacked.port == 2200 && stacked.user == "alice" && stacked.retries == 5)
        // A list, a proxy and a secret are replaced whole, never merged.
        #expect(stacked.identityFiles == ["/k3"])
        #expect(stacked.proxy == ConnectionSettings.Proxy(kind: .command))
        #expect(stacked.password == ConnectionSettings.Secret(environment: "PW"))
        #expect(stacked.verify == false)
        #expect(low.overlaid(by: ConnectionSettings()) == low)
        #expect(ConnectionSettings().overlaid(by: low) == low)
    }

    @Test func everySettingHasOneRowInTheTable() {
        // A stored property without a row would never be stacked, read or written.
        var names = Swift.Mirror(reflecting: ConnectionSettings()).children.compactMap(\.label)
        names.sort()
        let keys = ConnectionSettings.fields.map(\.key)
        #expect(names.count == keys.count)
        #expect(Set(keys).count == keys.count)
        // Each row's path is a distinct property: set it through the row and exactly one thing changes.
        var settings = ConnectionSettings()
        for field in ConnectionSettings.fields { field.fillForTesting(&settings) }
        let filled = Swift.Mirror(reflecting: settings).children.filter { child in
            !Swift.Mirror(reflecting: child.value).children.isEmpty
        }
        #expect(filled.count == names.count)
    }

    @Test func hostCapsFromEveryLayerHoldTogether() throws {
        var lower = ConnectionSettings()
        lower.bandwidthHost = BandwidthCaps(down: 1 << 20, up: nil)
        var upper = ConnectionSettings()
        upper.bandwidthHost = BandwidthCaps(down: 4 << 20, up: 2 << 20)
        #expect(lower.overlaid(by: upper).bandwidthHost == BandwidthCaps(down: 1 << 20, up: 2 << 20))
        #expect(upper.overlaid(by: lower).bandwidthHost == BandwidthCaps(down: 1 << 20, up: 2 << 20))
        #expect(ConnectionSettings().overlaid(by: upper).bandwidthHost == upper.bandwidthHost)
        let read = try ProfileParser.parse("host: h\nbwlimit-host: down=2M,up=512K\n", name: "h", file: "h.yaml")
        #expect(read.settings.bandwidthHost == BandwidthCaps(down: 2 << 20, up: 512 << 10))
        #expect(throws: ProfileError.self) {
            try ProfileParser.parse("host: h\nbwlimit-host: lots\n", name: "h", file: "h.yaml")
        }
    }

    @Test func everySettingSurvivesWritingAndReading() throws {
        var profile = Profile(name: "full")
        for field in ConnectionSettings.fields { field.fillForTesting(&profile.settings) }
        let text = ProfileText.yaml(profile)
        let read = try ProfileParser.parse(text, name: "full", file: "full.yaml")
        #expect(read.settings == profile.settings, "\(text)")
    }
}

extension ConnectionSettings.Field {
    /// Gives this row's setting a value that differs from its default (and from every other row's).
    func fillForTesting(_ settings: inout ConnectionSettings) {
        switch kind {
        case .text(let path): settings[keyPath: path] = "value-of-\(key)"
        case .number(let path, let range): settings[keyPath: path] = range.upperBound
        case .flag(let path): settings[keyPath: path] = true
        case .list(let path, _): settings[keyPath: path] = ["\(key)-one", "\(key)-two"]
        case .secret(let path): settings[keyPath: path] = ConnectionSettings.Secret(environment: "X_\(key.count)")
        case .proxy(let path):
            var proxy = ConnectionSettings.Proxy(kind: .socks5, host: "proxy.example", port: 1080, user: "pu")
            (proxy.dns, proxy.exclude, proxy.localhost) = (.remote, ["*.lan", "10.0.0.0/8"], true)
            proxy.password = ConnectionSettings.Secret(file: "/secret/proxy")
            settings[keyPath: path] = proxy
        case .caps(let path): settings[keyPath: path] = BandwidthCaps(down: 3 << 20, up: 1536 << 10)
        }
    }
}

@Suite("PuTTY sessions")
struct PuTTYSessionTests {
    @Test func fileNamesAreEscapedAsPuTTYDoes() {
        #expect(PuTTYSessions.fileName(for: "db1 (backup)/x") == "db1%20%28backup%29%2Fx")
        #expect(PuTTYSessions.fileName(for: "web-1.example_org@x+y") == "web-1.example_org@x+y")
        #expect(PuTTYSessions.sessionName(forFile: "db1%20%28backup%29") == "db1 (backup)")
    }

    @Test func readsHostUserKeyAndProxy() throws {
        let text = """
            Protocol=ssh
            HostName=db1.example.org
            PortNumber=2222
            UserName=root
            PublicKeyFile=/keys/db1.ppk
            ProxyMethod=3
            ProxyHost=proxy.corp
            ProxyPort=3128
            ProxyUsername=proxyuser
            ProxyPassword=
            ProxyExcludeList=*.lan,10.0.0.0/8
            ProxyDNS=2
            ProxyLocalhost=1
            """
        let profile = try PuTTYSessions.profile(name: "db1", text: text, file: "db1")
        #expect(profile.host == "db1.example.org" && profile.port == 2222 && profile.user == "root")
        #expect(profile.identityFiles == ["/keys/db1.ppk"])
        var proxy = ConnectionSettings.Proxy(kind: .http, host: "proxy.corp", port: 3128, user: "proxyuser")
        proxy.exclude = ["*.lan", "10.0.0.0/8"]
        proxy.dns = .remote
        proxy.localhost = true
        #expect(profile.proxy == proxy)
    }

    @Test func olderFilesUseProxyTypeAndSOCKSVersion() throws {
        let socks4 = try PuTTYSessions.profile(
            name: "a",
            text: "HostName=h\nProxyType=2\nProxySOCKSVersion=4\n"
                + "ProxyHost=gw\nProxyPort=1080\nProxyDNS=0\n", file: "a")
        #expect(socks4.proxy?.kind == .socks4 && socks4.proxy?.dns == .local)
        let command = try PuTTYSessions.profile(
            name: "b",
            text: "HostName=h\nProxyType=4\n"
                + "ProxyTelnetCommand=nc %host %port\n", file: "b")
        #expect(command.proxy?.kind == .command && command.proxy?.command == "nc %host %port")
        #expect(try PuTTYSessions.profile(name: "c", text: "HostName=h\nProxyMethod=0\n", file: "c").proxy == nil)
        #expect(throws: ProfileError.self) {
            try PuTTYSessions.profile(name: "d", text: "HostName=h\nProxyMethod=7\n", file: "d")
        }
        let jump = try PuTTYSessions.profile(
            name: "j", text: "HostName=h\nProxyMethod=6\nProxyHost=bastion\nProxyPort=2200\nProxyUsername=ops\n",
            file: "j")
        #expect(jump.jump == ["ops@bastion:2200"] && jump.proxy == nil)
        #expect(throws: ProfileError.self) {
            try PuTTYSessions.profile(name: "e", text: "Protocol=telnet\n", file: "e")
        }
    }
}

@Suite("ssh_config hosts")
struct SSHConfigTests {
    let text = """
        # comment
        Host db1 db1-alias
            HostName %h.example.org
            User backup
            Port 2222
            IdentityFile ~/.ssh/db1
        Host web*
            User deploy
            ProxyCommand nc -X connect -x proxy:3128 %h %p
        Host inner
            ProxyJump bastion
        Match host other
            User nobody
        Host *
            User fallback
            IdentityFile ~/.ssh/id_ed25519
            Compression yes
        """

    @Test func firstValueWinsAcrossMatchingBlocks() throws {
        let config = SSHConfig(path: "/home/me/.ssh/config", text: text)
        let db1 = try #require(try config.profile(for: "db1", home: "/home/me"))
        #expect(db1.host == "db1.example.org" && db1.user == "backup" && db1.port == 2222)
        #expect(db1.identityFiles == ["/home/me/.ssh/db1", "/home/me/.ssh/id_ed25519"])
        #expect(db1.compression == true)
        #expect(config.literalHosts == ["db1", "db1-alias", "inner"])
    }

    @Test func onlyLiteralHostsAreSessions() throws {
        let config = SSHConfig(path: "c", text: text)
        #expect(try config.profile(for: "web3", home: "/h") == nil)
        #expect(try config.profile(for: "unknown", home: "/h") == nil)
    }

    @Test func proxyCommandAndProxyJumpCarryOver() throws {
        let config = SSHConfig(path: "c", text: text + "\nHost web1\n    Port 22\n")
        let web1 = try #require(try config.profile(for: "web1", home: "/h"))
        #expect(web1.proxy?.kind == .command && web1.proxy?.command == "nc -X connect -x proxy:3128 %h %p")
        #expect(web1.user == "deploy")
        #expect(try config.profile(for: "inner", home: "/h")?.jump == ["bastion"])
    }
}
