import Foundation

/// The cutting relay of `Fixtures/cutting_forwarder.py` in front of a test server, the one fixture for
/// a slow, cut or stalled link: it writes a `known_hosts` in the test's folder that names the server's
/// key under the relay's port, and gives the options that reach the server through it (as root, with
/// the ed25519 key, relative to that folder).
struct Relay {
    let process: ProxyServer
    let options: [String]
    var port: Int { process.port }

    /// A relay to `server` that cuts each connection after `limit` bytes from the server, changed by
    /// `modes` (`stall`, `slow:RATE`, `once`, `then:PORT`; see the fixture).
    init(to server: TestSSHServer, after limit: Int = 1 << 40, _ modes: [String] = [], knownHostsIn folder: String)
        throws
    {
        process = ProxyServer.fixture(
            "cutting_forwarder", arguments: ["127.0.0.1", String(server.port), String(limit)] + modes)
        try server.writeKnownHosts(forPort: process.port, to: folder + "/known_hosts")
        options = [
            "-P", String(process.port), "-i", server.ed25519Key, "--known-hosts", "known_hosts", "root@127.0.0.1",
        ]
    }

    /// What the relay logged (`accepted N`, `cut N`).
    var log: String { process.file("proxy.log") }
}
