import Foundation
import Testing

/// Runs the built `ferry` binary as a user would.
enum FerryBinary {
    /// The executable next to the test bundle (`swift build` puts both in the same folder).
    static let path: String = {
        if let given = ProcessInfo.processInfo.environment["FERRY_BIN"] { return given }
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent()
        for candidate in [".build/debug/ferry", ".build/release/ferry"] {
            let path = root.appendingPathComponent(candidate).path
            if FileManager.default.isExecutableFile(atPath: path) { return path }
        }
        return root.appendingPathComponent(".build/debug/ferry").path
    }()

    /// Runs ferry with `arguments` in `directory`, with a clean environment (no agent, no password).
    static func run(
        _ arguments: [String], directory: String? = nil, environment: [String: String] = [:],
        input: String? = nil
    ) -> RunResult {
        var env = [
            "PATH": "/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin", "HOME": NSTemporaryDirectory() + "ferry-home",
            "USER": "root", "LANG": "C.UTF-8",
        ]
        for (key, value) in environment { env[key] = value }
        return Shell.run(path, arguments, environment: env, directory: directory, input: input)
    }
}

/// Something a test waits to see before it acts (a Ctrl-C, a signal, a kill), instead of a guessed delay.
enum Marker {
    /// A file matching the shell pattern exists, at least `bytes` long.
    case file(String, atLeast: Int = 0)
    /// At least `count` processes whose command line matches the pattern (`pgrep -f`) run.
    case process(String, count: Int = 1)
    /// A TCP connection to the loopback port is established.
    case connection(toPort: Int)

    /// A shell test that succeeds once the marker is there.
    var test: String {
        switch self {
        case .file(let pattern, let bytes):
            "for f in \(pattern); do [ -e \"$f\" ] && [ $(stat -c %s \"$f\") -ge \(bytes) ] && exit 0; done; exit 1"
        case .process(let pattern, let count): "[ $(pgrep -fc -- '\(pattern)') -ge \(count) ]"
        case .connection(let port): "ss -Htn state established '( dport = :\(port) )' | grep -q ."
        }
    }

    /// Waits up to `timeout` seconds for the marker; returns whether it came.
    @discardableResult
    func wait(timeout: Double = 20) -> Bool {
        let end = Date().addingTimeInterval(timeout)
        while Date() < end {
            if Shell.run("/bin/sh", ["-c", test]).status == 0 { return true }
            usleep(20_000)
        }
        return false
    }
}

extension FerryBinary {
    /// Runs ferry in `directory`, sends it `signal` (SIGINT: Ctrl-C) once `marker` shows (or after 20 s),
    /// and returns what it printed after a first line `STATUS=<exit status> SECONDS=<whole seconds it ran>`.
    static func interrupted(
        when marker: Marker, _ arguments: [String], directory: String, signal: String = "SIGINT"
    ) -> RunResult {
        let driver = """
            import os, signal, subprocess, sys, time
            start = time.time()
            p = subprocess.Popen(sys.argv[2:], stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=os.environ["WORK"])
            while time.time() - start < 20 and subprocess.call(["/bin/sh", "-c", sys.argv[1]], cwd=os.environ["WORK"]) != 0:
                time.sleep(0.02)
            p.send_signal(getattr(signal, os.environ["SIGNAL"]))
            out, err = p.communicate(timeout=30)
            sys.stdout.write("STATUS=%d SECONDS=%d\\n%s%s" % (p.returncode, time.time() - start, out.decode(), err.decode()))
            """
        return Shell.run(
            "/usr/bin/python3", ["-c", driver, marker.test, path] + arguments,
            environment: [
                "WORK": directory, "HOME": directory, "PATH": "/usr/bin:/bin:/usr/sbin:/sbin", "SIGNAL": signal,
            ])
    }
}

extension TestSSHServer {
    /// Writes a known_hosts file at `file` that knows this server's key under `127.0.0.1:port` (a relay
    /// in front of it).
    func writeKnownHosts(forPort port: Int, to file: String) throws {
        let key =
            try String(contentsOfFile: knownHosts, encoding: .utf8).split(separator: "\n")
            .first.map { $0.split(separator: " ").dropFirst().joined(separator: " ") } ?? ""
        try "[127.0.0.1]:\(port) \(key)\n".write(toFile: file, atomically: true, encoding: .utf8)
    }

    /// The options that reach this server with the ed25519 key, in batch mode.
    func options(key: String? = nil, user: String = "root") -> [String] {
        ["-batch", "-P", String(port), "-i", key ?? ed25519Key, "--known-hosts", knownHosts, "\(user)@127.0.0.1"]
    }

    /// Runs a batch script (given as text) against this server; extra arguments come before the host.
    func batch(
        _ script: String, in directory: String, extra: [String] = [], key: String? = nil,
        environment: [String: String] = [:]
    ) -> RunResult {
        let file = directory + "/script-\(UUID().uuidString.prefix(6)).scr"
        try? script.write(toFile: file, atomically: true, encoding: .utf8)
        return FerryBinary.run(
            ["-b", file] + extra + options(key: key), directory: directory, environment: environment)
    }
}

/// Writes `bytes` random bytes to `path`.
func writeRandomFile(_ path: String, bytes: Int) {
    Shell.sh("head -c \(bytes) /dev/urandom > '\(path)'")
}

/// The SHA-256 of a file, for comparing copies.
func checksum(_ path: String) -> String {
    Shell.sh("sha256sum '\(path)' | cut -d' ' -f1").stdout.trimmingCharacters(in: .whitespacesAndNewlines)
}

/// The `report.json` beside the `Report: …/report.md` a run printed, parsed.
func report(of result: RunResult) throws -> (path: String, json: [String: Any]) {
    let line = try #require(result.stdout.split(separator: "\n").last { $0.hasPrefix("Report: ") })
    let path = String(line.dropFirst("Report: ".count).dropLast("report.md".count)) + "report.json"
    let data = try Data(contentsOf: URL(fileURLWithPath: path))
    return (path, try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any]))
}
