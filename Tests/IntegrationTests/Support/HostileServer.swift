import Foundation

/// The lying SSH/SFTP server of `Fixtures/hostile_server.py` (paramiko), running one scenario for one test.
///
/// Any user logs in with any key or password. The scenario (see the fixture's docstring) says what
/// the server lists, answers to `realpath`, streams, and sends as method lists, prompts and exit
/// signals. Stopped when released.
final class HostileServer: @unchecked Sendable {
    let directory: String
    let knownHosts: String
    /// A key to offer (the server takes any).
    let userKey: String
    /// The fixture's process, stopped when this is released.
    private let process: ProxyServer

    var port: Int { process.port }

    init(_ scenario: [String: Any]) {
        directory = TestSSHServer.scratch("hostile")
        knownHosts = directory + "/known_hosts"
        userKey = directory + "/id_user"
        let d = directory
        Shell.sh("ssh-keygen -q -t ed25519 -N '' -f \(d)/host_key && ssh-keygen -q -t ed25519 -N '' -f \(d)/id_user")
        if let data = try? JSONSerialization.data(withJSONObject: scenario) {
            try? data.write(to: URL(fileURLWithPath: d + "/scenario.json"))
        }
        process = ProxyServer.fixture("hostile_server", arguments: [d + "/host_key", d + "/scenario.json"])
        let hostKey = (try? String(contentsOfFile: d + "/host_key.pub", encoding: .utf8)) ?? ""
        let fields = hostKey.split(separator: " ").prefix(2).joined(separator: " ")
        try? "[127.0.0.1]:\(process.port) \(fields)\n".write(toFile: knownHosts, atomically: true, encoding: .utf8)
    }

    /// What the server logged (its Python errors, if any).
    var log: String { process.logText }

    /// The options that reach this server in batch mode.
    func options(user: String = "root") -> [String] {
        ["-batch", "-P", String(port), "-i", userKey, "--known-hosts", knownHosts, "\(user)@127.0.0.1"]
    }

    /// Runs a batch script (given as text) in `directory`; extra arguments come before the host.
    func batch(_ script: String, in directory: String, extra: [String] = []) -> RunResult {
        let file = self.directory + "/script-\(UUID().uuidString.prefix(6)).scr"
        try? script.write(toFile: file, atomically: true, encoding: .utf8)
        return FerryBinary.run(["-b", file] + extra + options(), directory: directory)
    }
}

/// Every path under `root` with its type (and a link's target), for proving that nothing outside the
/// expected places changed.
func treeListing(_ root: String) -> [String] {
    Shell.sh("cd '\(root)' && find . -printf '%y %p %l\\n' | LC_ALL=C sort").stdout
        .split(separator: "\n").map(String.init)
}

/// Whether `text` holds a raw terminal control character (ESC, BEL, a C1 control, a carriage return).
func hasRawControls(_ text: String) -> Bool {
    text.unicodeScalars.contains { ($0.value < 0x20 && $0 != "\n" && $0 != "\t") || (0x7F..<0xA0).contains($0.value) }
}
