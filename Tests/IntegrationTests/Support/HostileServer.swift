import Foundation

/// The lying SSH/SFTP server of `Fixtures/hostile_server.py` (paramiko), running one scenario for one test.
///
/// Any user logs in with any key or password. The scenario (see the fixture's docstring) says what
/// the server lists, answers to `realpath`, streams, and sends as method lists, prompts and exit
/// signals. Stopped when released.
final class HostileServer: @unchecked Sendable {
    let port: Int
    let directory: String
    let knownHosts: String
    /// A key to offer (the server takes any).
    let userKey: String
    private let pid: Int32

    init(_ scenario: [String: Any]) {
        directory = TestSSHServer.scratch("hostile")
        port = TestSSHServer.freePort()
        knownHosts = directory + "/known_hosts"
        userKey = directory + "/id_user"
        let d = directory
        Shell.sh("ssh-keygen -q -t ed25519 -N '' -f \(d)/host_key && ssh-keygen -q -t ed25519 -N '' -f \(d)/id_user")
        let hostKey = (try? String(contentsOfFile: d + "/host_key.pub", encoding: .utf8)) ?? ""
        let fields = hostKey.split(separator: " ").prefix(2).joined(separator: " ")
        try? "[127.0.0.1]:\(port) \(fields)\n".write(toFile: knownHosts, atomically: true, encoding: .utf8)
        if let data = try? JSONSerialization.data(withJSONObject: scenario) {
            try? data.write(to: URL(fileURLWithPath: d + "/scenario.json"))
        }
        let fixture = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Fixtures/hostile_server.py").path
        // As for the proxies: no inherited descriptor may keep a test's pipe open (see ProxyServer).
        let closer = "import os,sys; os.closerange(3, 65536); os.execvp(sys.argv[1], sys.argv[1:])"
        let command =
            ["/usr/bin/python3", "-c", closer, "/usr/bin/python3", fixture, String(port)]
            + [d + "/host_key", d + "/scenario.json"]
        let started = Shell.sh(
            "setsid \(command.map { "'\($0)'" }.joined(separator: " ")) >> '\(d)/server.log' 2>&1 < /dev/null & echo $!"
        )
        pid = Int32(started.stdout.trimmingCharacters(in: .whitespacesAndNewlines)) ?? 0
        ProxyServer.waitUntilListening(port)
    }

    deinit {
        if pid > 0 {
            kill(-pid, SIGKILL)
            kill(pid, SIGKILL)
        }
    }

    /// What the server logged (its Python errors, if any).
    var log: String { (try? String(contentsOfFile: directory + "/server.log", encoding: .utf8)) ?? "" }

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
