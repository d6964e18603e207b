import Foundation
import Testing

@Suite("Jump hosts", .tags(.integration))
struct JumpHostTests {
    let server = TestSSHServer.shared

    /// Two extra servers as hops; DEBUG1 makes each log the forwarded connection it carries.
    func hops() -> (TestSSHServer, TestSSHServer, String) {
        let first = TestSSHServer(name: "hop1", extraConfig: ["LogLevel DEBUG1"])
        let second = TestSSHServer(name: "hop2", extraConfig: ["LogLevel DEBUG1"])
        // Every server authorises the shared server's key, and one known_hosts file knows them all.
        for hop in [first, second] {
            Shell.sh("cat \(server.directory)/authorized_keys >> \(hop.directory)/authorized_keys")
        }
        let knownHosts = TestSSHServer.scratch("jump-kh") + "/known_hosts"
        Shell.sh("cat \(server.knownHosts) \(first.knownHosts) \(second.knownHosts) > \(knownHosts)")
        return (first, second, knownHosts)
    }

    func log(_ server: TestSSHServer) -> String { (try? String(contentsOfFile: server.log, encoding: .utf8)) ?? "" }

    @Test func chainOfTwoHopsCarriesTheSessionAndEveryHopLogsIt() {
        let (first, second, knownHosts) = hops()
        defer {
            first.stop()
            second.stop()
        }
        let remote = TestSSHServer.scratch("jump-remote")
        let local = TestSSHServer.scratch("jump-local")
        for i in 1...12 { writeRandomFile(remote + "/f\(i)", bytes: 5000) }
        let result = FerryBinary.run(
            [
                "-batch", "-i", server.ed25519Key, "--known-hosts", knownHosts, "-J",
                "root@127.0.0.1:\(first.port),root@127.0.0.1:\(second.port)", "-P", String(server.port), "-b",
                "/dev/stdin", "root@127.0.0.1",
            ], directory: local, input: "cd \(remote)\nmget f*\n")
        #expect(result.status == 0, "\(result.stderr)")
        for i in 1...12 { #expect(checksum(local + "/f\(i)") == checksum(remote + "/f\(i)")) }
        #expect(log(first).contains("direct-tcpip") && log(first).contains("port \(second.port)"))
        #expect(log(second).contains("direct-tcpip") && log(second).contains("port \(server.port)"))
    }

    @Test func profileJumpNamesAnotherProfile() throws {
        let (first, second, knownHosts) = hops()
        defer {
            first.stop()
            second.stop()
        }
        let folder = TestSSHServer.scratch("jump-sessions")
        try """
        host: 127.0.0.1
        port: \(first.port)
        user: root
        identity: \(server.ed25519Key)
        known-hosts: \(knownHosts)
        """.write(toFile: folder + "/bastion.yaml", atomically: true, encoding: .utf8)
        try """
        host: 127.0.0.1
        port: \(server.port)
        user: root
        identity: \(server.ed25519Key)
        known-hosts: \(knownHosts)
        jump: bastion
        """.write(toFile: folder + "/db.yaml", atomically: true, encoding: .utf8)
        let result = FerryBinary.run(
            ["-batch", "--sessions", folder, "-load", "db", "-b", "/dev/stdin"],
            input: "pwd\n")
        #expect(result.status == 0, "\(result.stderr)")
        #expect(log(first).contains("direct-tcpip"))
    }

    @Test func failingHopIsNamed() {
        let (first, second, knownHosts) = hops()
        defer {
            first.stop()
            second.stop()
        }
        let base = ["-batch", "-i", server.ed25519Key, "-P", String(server.port), "-b", "/dev/stdin"]
        let unknownKey = FerryBinary.run(
            base + [
                "--known-hosts", server.knownHosts, "-J",
                "root@127.0.0.1:\(first.port)", "root@127.0.0.1",
            ], input: "pwd\n")
        #expect(unknownKey.status == 5)
        #expect(
            unknownKey.stderr.contains(
                "jump host root@127.0.0.1:\(first.port) failed: host key for 127.0.0.1 is not known"))
        let closed = TestSSHServer.freePort()
        let refused = FerryBinary.run(
            base + [
                "--known-hosts", knownHosts, "-J",
                "root@127.0.0.1:\(first.port),root@127.0.0.1:\(closed)", "root@127.0.0.1",
            ],
            input: "pwd\n")
        #expect(refused.status == 5)
        #expect(
            refused.stderr.contains(
                "jump host root@127.0.0.1:\(first.port) failed: cannot open a channel to"
                    + " 127.0.0.1:\(closed)"))
        let deadFirst = FerryBinary.run(
            base + [
                "--known-hosts", knownHosts, "-J", "root@127.0.0.1:\(closed)",
                "root@127.0.0.1",
            ], input: "pwd\n")
        #expect(deadFirst.status == 5)
        #expect(
            deadFirst.stderr.contains(
                "jump host root@127.0.0.1:\(closed) failed: connection to 127.0.0.1 port"
                    + " \(closed) refused"))
    }
}
