import Foundation
import Testing

/// A real mismatched network made with network namespaces and veth pairs:
///
///     test (root ns) 198.51.100.1 ── 198.51.100.2 [A: sshd] 203.0.113.1 ══ mtu 9000 ══ 203.0.113.2 [R]
///     [R] 203.0.113.17 ── mtu 1500 ── 203.0.113.18 [B] (B's own interface says 9000)
///     [R] 203.0.113.33 ══ mtu 9000 ══ 203.0.113.34 [C]
@Suite(
    "ping-mtu in network namespaces", .tags(.integration), .serialized,
    .enabled(
        if: getuid() == 0 && FileManager.default.isExecutableFile(atPath: "/usr/bin/ping"),
        "network namespaces need root and iputils ping"))
struct PingMTUTests {
    @Test func reportsTheMismatchAndTheCleanPath() throws {
        let id = String(UInt32.random(in: 0...0xFFFF), radix: 16)
        let (a, r, b, c) = ("fa\(id)", "fr\(id)", "fb\(id)", "fc\(id)")
        defer {
            Shell.sh(
                "for n in \(a) \(r) \(b) \(c); do ip netns del $n 2>/dev/null; done; ip link del ft\(id) 2>/dev/null")
        }
        let setup = Shell.sh(
            """
            set -e
            for n in \(a) \(r) \(b) \(c); do ip netns add $n; ip -n $n link set lo up; done
            ip link add ft\(id) type veth peer name ta\(id)
            ip link set ta\(id) netns \(a)
            ip addr add 198.51.100.1/30 dev ft\(id); ip link set ft\(id) up
            ip -n \(a) addr add 198.51.100.2/30 dev ta\(id); ip -n \(a) link set ta\(id) up
            ip link add ar\(id) type veth peer name ra\(id)
            ip link set ar\(id) netns \(a); ip link set ra\(id) netns \(r)
            ip -n \(a) addr add 203.0.113.1/28 dev ar\(id); ip -n \(a) link set ar\(id) mtu 9000 up
            ip -n \(r) addr add 203.0.113.2/28 dev ra\(id); ip -n \(r) link set ra\(id) mtu 9000 up
            ip link add rb\(id) type veth peer name br\(id)
            ip link set rb\(id) netns \(r); ip link set br\(id) netns \(b)
            ip -n \(r) addr add 203.0.113.17/28 dev rb\(id); ip -n \(r) link set rb\(id) mtu 1500 up
            ip -n \(b) addr add 203.0.113.18/28 dev br\(id); ip -n \(b) link set br\(id) mtu 9000 up
            ip link add rc\(id) type veth peer name cr\(id)
            ip link set rc\(id) netns \(r); ip link set cr\(id) netns \(c)
            ip -n \(r) addr add 203.0.113.33/28 dev rc\(id); ip -n \(r) link set rc\(id) mtu 9000 up
            ip -n \(c) addr add 203.0.113.34/28 dev cr\(id); ip -n \(c) link set cr\(id) mtu 9000 up
            ip -n \(a) route add 203.0.113.0/24 via 203.0.113.2
            ip -n \(b) route add default via 203.0.113.17
            ip -n \(c) route add default via 203.0.113.33
            ip netns exec \(r) sysctl -qw net.ipv4.ip_forward=1
            """)
        #expect(setup.status == 0, "\(setup.stdout)\(setup.stderr)")
        let host = TestSSHServer(name: "mtu", listen: ["198.51.100.2"], namespace: a, fixedPort: 22)
        defer { host.stop() }
        let folder = TestSSHServer.scratch("mtu")
        let script = folder + "/jumbo.scr"
        try "ping-mtu 203.0.113.18\nping-mtu 203.0.113.34\nping-mtu --max 4000 203.0.113.34\n"
            .write(toFile: script, atomically: true, encoding: .utf8)
        let result = FerryBinary.run(
            [
                "-batch", "-be", "-i", host.ed25519Key, "--known-hosts", host.knownHosts,
                "--diagnostics", folder + "/d", "-b", script, "root@198.51.100.2",
            ],
            directory: folder)
        #expect(result.status == 8, "\(result.stdout)\(result.stderr)")
        #expect(
            result.stdout.contains(
                "ping-mtu 203.0.113.18: path MTU 1500, interface ar\(id) MTU 9000,"
                    + " network reported mtu = 1500"))
        #expect(
            result.stderr.contains(
                "ping-mtu: mismatch: path MTU to 203.0.113.18 is 1500 but the outgoing"
                    + " interface ar\(id) is set to 9000: jumbo frames are not enabled end to end"))
        #expect(result.stdout.contains("ping-mtu 203.0.113.34: path MTU 9000, interface ar\(id) MTU 9000"))
        #expect(result.stdout.contains("ping-mtu: matched: path MTU to 203.0.113.34 is 9000"))
        #expect(result.stdout.contains("path MTU to 203.0.113.34 is at least 4000"))
        let runs = try FileManager.default.contentsOfDirectory(atPath: folder + "/d")
        let data = try #require(FileManager.default.contents(atPath: folder + "/d/\(runs[0])/report.json"))
        let report = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        let commands = try #require((report["hosts"] as? [[String: Any]])?.first?["commands"] as? [[String: Any]])
        #expect(commands[0]["status"] as? String == "trouble")
        let mtu = try #require(commands[0]["mtu"] as? [String: Any])
        #expect(mtu["path_mtu"] as? Int == 1500 && mtu["interface_mtu"] as? Int == 9000)
        #expect(mtu["verdict"] as? String == "mismatched")
        #expect((commands[1]["mtu"] as? [String: Any])?["verdict"] as? String == "matched")
    }

    @Test func unreachableTargetGetsAClearMessage() throws {
        let id = String(UInt32.random(in: 0...0xFFFF), radix: 16)
        let a = "fu\(id)"
        defer {
            Shell.sh("ip netns del \(a) 2>/dev/null; ip netns del \(a)s 2>/dev/null; ip link del fv\(id) 2>/dev/null")
        }
        let setup = Shell.sh(
            """
            set -e
            ip netns add \(a); ip -n \(a) link set lo up
            ip link add fv\(id) type veth peer name fw\(id); ip link set fw\(id) netns \(a)
            ip addr add 198.51.100.5/30 dev fv\(id); ip link set fv\(id) up
            ip -n \(a) addr add 198.51.100.6/30 dev fw\(id); ip -n \(a) link set fw\(id) up
            ip netns add \(a)s; ip -n \(a)s link set lo up
            ip link add fs\(id) type veth peer name sf\(id)
            ip link set fs\(id) netns \(a); ip link set sf\(id) netns \(a)s
            ip -n \(a) addr add 203.0.113.49/28 dev fs\(id); ip -n \(a) link set fs\(id) up
            ip -n \(a)s addr add 203.0.113.50/28 dev sf\(id); ip -n \(a)s link set sf\(id) up
            ip -n \(a) route add 203.0.113.0/24 via 203.0.113.50
            """)
        #expect(setup.status == 0, "\(setup.stderr)")
        let host = TestSSHServer(name: "mtu-unreach", listen: ["198.51.100.6"], namespace: a, fixedPort: 22)
        defer { host.stop() }
        let result = FerryBinary.run(
            [
                "-batch", "-i", host.ed25519Key, "--known-hosts", host.knownHosts, "-b",
                "/dev/stdin", "root@198.51.100.6",
            ], input: "ping-mtu 203.0.113.77\n")
        #expect(result.status == 8)
        // The target's route leads to a second namespace that does not forward: nothing answers, nothing leaves.
        #expect(result.stderr.contains("ping-mtu: 203.0.113.77 does not answer pings, so no path MTU can be measured"))
    }
}
