import Foundation

/// The built binary on a real pseudo-terminal, driven through tmux as a user at a keyboard would.
///
/// Each session has its own tmux server socket, so tests running side by side never share a server.
final class TerminalSession {
    let socket = "ferry-test-\(UUID().uuidString.prefix(8))"
    let name = "ferry"

    /// Starts `ferry arguments` in `directory`; when ferry exits, the pane shows `FERRY-EXIT=<status>`.
    init(_ arguments: [String], directory: String, home: String, environment: [String: String] = [:]) {
        var env = [
            "PATH=/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin", "HOME=\(home)", "USER=root", "LANG=C.UTF-8",
            "TERM=xterm-256color",
        ]
        env += environment.map { "\($0.key)=\($0.value)" }
        let command =
            "cd \(Self.quote(directory)) && env -i \(env.map(Self.quote).joined(separator: " ")) "
            + ([FerryBinary.path] + arguments).map(Self.quote).joined(separator: " ")
            + "; echo FERRY-EXIT=$?; sleep 600"
        // The tmux server outlives this call: it must not keep any descriptor of ours (see ProxyServer).
        let closer = "import os,sys; os.closerange(3, 65536); os.execvp(sys.argv[1], sys.argv[1:])"
        let start =
            ["/usr/bin/python3", "-c", closer, "/usr/bin/tmux", "-L", socket]
            + ["new-session", "-d", "-s", name, "-x", "150", "-y", "50", command]
        Shell.sh(start.map(Self.quote).joined(separator: " ") + " < /dev/null > /dev/null 2>&1")
    }

    deinit { tmux(["kill-server"]) }

    /// Types `text` literally.
    func type(_ text: String) { tmux(["send-keys", "-t", name, "-l", text]) }

    /// Presses keys by tmux name: Enter, Tab, Up, C-c, C-d.
    func press(_ keys: String...) {
        for key in keys {
            tmux(["send-keys", "-t", name, key])
            // Keys sent in one burst can arrive as one read; a pause keeps each its own.
            usleep(50_000)
        }
    }

    /// The whole screen and scrollback, trailing blank lines removed.
    var screen: String {
        Shell.run("/usr/bin/tmux", ["-L", socket, "capture-pane", "-p", "-J", "-S", "-500", "-t", name]).stdout
            .trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// The line the cursor is on (the prompt being edited), without trailing spaces.
    var currentLine: String {
        let lines = screen.split(separator: "\n", omittingEmptySubsequences: false)
        return String(lines.last ?? "")
    }

    /// Waits until `text` appears `count` times on the screen; false after `timeout` seconds.
    @discardableResult
    func waitFor(_ text: String, count: Int = 1, timeout: TimeInterval = 15) -> Bool {
        let deadline = Date(timeIntervalSinceNow: timeout)
        while Date() < deadline {
            if screen.components(separatedBy: text).count - 1 >= count { return true }
            usleep(100_000)
        }
        return false
    }

    /// Waits until the screen's last line is exactly `line`.
    @discardableResult
    func waitForCurrentLine(_ line: String, timeout: TimeInterval = 10) -> Bool {
        let deadline = Date(timeIntervalSinceNow: timeout)
        while Date() < deadline {
            if currentLine == line { return true }
            usleep(100_000)
        }
        return false
    }

    @discardableResult
    private func tmux(_ arguments: [String]) -> RunResult {
        Shell.run("/usr/bin/tmux", ["-L", socket] + arguments)
    }

    private static func quote(_ word: String) -> String {
        "'" + word.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }
}
