import Foundation

/// PuTTY's psftp (Debian's putty-tools) against a test sshd, for outcomes that must match psftp's.
enum PSFTP {
    /// The server's ed25519 user key as a PuTTY key file, made once per server.
    static func key(for server: TestSSHServer) -> String {
        let path = server.directory + "/id_ed25519.ppk"
        if !FileManager.default.fileExists(atPath: path) {
            Shell.run("/usr/bin/puttygen", [server.ed25519Key, "-O", "private", "-o", path])
        }
        return path
    }

    /// Runs `script` with psftp in `directory` (its umask `umask`), as root with the key, or as `user`
    /// with `password`; returns the result.
    @discardableResult
    static func batch(
        _ script: String, server: TestSSHServer, in directory: String, umask: String = "022",
        user: String = "root", password: String? = nil
    ) -> RunResult {
        let file = directory + "/../psftp-\(UUID().uuidString.prefix(6)).scr"
        try? script.write(toFile: file, atomically: true, encoding: .utf8)
        let login = password.map { ["-pw", $0] } ?? ["-i", key(for: server)]
        let arguments =
            ["/usr/bin/psftp", "-batch", "-be", "-P", String(server.port), "-hostkey", server.hostKeyFingerprint]
            + login + ["-b", file, "\(user)@127.0.0.1"]
        return Shell.run(
            "/bin/sh", ["-c", "umask \(umask); exec \"$@\"", "psftp"] + arguments, environment: ["HOME": directory],
            directory: directory)
    }
}

extension TestSSHServer {
    /// Runs a Ferry batch in `directory` with umask `umask`, as root with the key or as `user` with a
    /// password.
    func batch(
        _ script: String, in directory: String, umask: String, user: String = "root", password: String? = nil,
        extra: [String] = []
    ) -> RunResult {
        let file = directory + "/../ferry-\(UUID().uuidString.prefix(6)).scr"
        try? script.write(toFile: file, atomically: true, encoding: .utf8)
        let login = password.map { ["-pw", $0] } ?? ["-i", ed25519Key]
        let arguments =
            [FerryBinary.path, "-batch", "-be", "-P", String(port), "--known-hosts", knownHosts] + login + extra
            + ["-b", file, "\(user)@127.0.0.1"]
        return Shell.run(
            "/bin/sh", ["-c", "umask \(umask); exec \"$@\"", "ferry"] + arguments,
            environment: ["HOME": directory, "PATH": "/usr/bin:/bin"], directory: directory)
    }
}

/// Each entry below `root` with its type, mode, owner and group, and a file's content: what two tools
/// must leave alike.
func identityListing(_ root: String) -> [String] {
    Shell.sh(
        "cd '\(root)' && find . -mindepth 1 ! -name '*.scr' -printf '%y %m %u:%g %n %p %l\\n' | LC_ALL=C sort"
    ).stdout.split(separator: "\n").map(String.init)
        + Shell.sh("cd '\(root)' && find . -type f ! -name '*.scr' | LC_ALL=C sort | xargs -r md5sum").stdout
        .split(separator: "\n").map(String.init)
}
