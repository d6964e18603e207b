import Foundation

/// A real OpenSSH sshd on a free loopback port, with host and user keys made in a temporary folder.
///
/// Servers stop when the test process exits. Tests that need the password user run as root (as CI does).
final class TestSSHServer: @unchecked Sendable {
    let directory: String
    let port: Int
    let knownHosts: String
    let hostKeyFingerprint: String
    let hostKeyMD5: String
    private let pid: Int32

    /// The shared default server: public key, password; ed25519, ECDSA and RSA keys authorised.
    static let shared = TestSSHServer(name: "default")

    /// A user with a password, for password and keyboard-interactive tests.
    static let passwordUser = "ferrytest"
    static let password = "Ferry-pass-123"
    /// The passphrase of ``encryptedKey``.
    static let passphrase = "correct horse battery"

    var ed25519Key: String { directory + "/id_ed25519" }
    var ecdsaKey: String { directory + "/id_ecdsa" }
    var rsaKey: String { directory + "/id_rsa" }
    var rsaPEMKey: String { directory + "/id_rsa_pem" }
    var encryptedKey: String { directory + "/id_encrypted" }
    var strangerKey: String { directory + "/id_stranger" }
    var log: String { directory + "/sshd.log" }

    /// Starts a server; `extraConfig` lines are added to its sshd_config (`{dir}` stands for its folder).
    init(
        name: String, extraConfig: [String] = [], listen: [String] = ["127.0.0.1"], namespace: String? = nil,
        fixedPort: Int? = nil
    ) {
        TestSSHServer.prepareOnce()
        directory = NSTemporaryDirectory() + "ferry-sshd-\(name)-\(UUID().uuidString.prefix(8))"
        try? FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let d = directory
        Shell.sh(
            """
            set -e
            ssh-keygen -q -t ed25519 -N '' -f \(d)/host_ed25519 -C test-host
            ssh-keygen -q -t ed25519 -N '' -f \(d)/id_ed25519 -C test-ed25519
            ssh-keygen -q -t ecdsa -b 384 -N '' -f \(d)/id_ecdsa -C test-ecdsa
            ssh-keygen -q -t rsa -b 2048 -N '' -f \(d)/id_rsa -C test-rsa
            ssh-keygen -q -t rsa -b 2048 -m PEM -N '' -f \(d)/id_rsa_pem -C test-rsa-pem
            ssh-keygen -q -t ed25519 -N '\(TestSSHServer.passphrase)' -f \(d)/id_encrypted -C test-encrypted
            ssh-keygen -q -t ed25519 -N '' -f \(d)/id_stranger -C not-authorised
            cat \(d)/id_ed25519.pub \(d)/id_ecdsa.pub \(d)/id_rsa.pub \(d)/id_rsa_pem.pub \(d)/id_encrypted.pub \
                > \(d)/authorized_keys
            """)
        port = fixedPort ?? TestSSHServer.freePort()
        // sshd keeps the first value it reads for a keyword, so the extra lines come first.
        var config =
            extraConfig.map { $0.replacingOccurrences(of: "{dir}", with: d) } + [
                "Port \(port)",
                "HostKey \(d)/host_ed25519",
                "PidFile \(d)/sshd.pid",
                "AuthorizedKeysFile \(d)/authorized_keys",
                "PermitRootLogin yes",
                "PasswordAuthentication yes",
                "UsePAM no",
                "StrictModes no",
                "MaxStartups 200",
                "MaxSessions 50",
                "Subsystem sftp internal-sftp",
            ]
        config += listen.map { "ListenAddress \($0)" }
        try? config.joined(separator: "\n").appending("\n").write(
            toFile: d + "/sshd_config", atomically: true,
            encoding: .utf8)
        let prefix = namespace.map { "ip netns exec \($0) " } ?? ""
        Shell.sh("mkdir -p /run/sshd && \(prefix)/usr/sbin/sshd -f \(d)/sshd_config -E \(d)/sshd.log")
        var pid: Int32 = 0
        for _ in 0..<100 {
            if let text = try? String(contentsOfFile: d + "/sshd.pid", encoding: .utf8),
                let value = Int32(text.trimmingCharacters(in: .whitespacesAndNewlines))
            {
                pid = value
                break
            }
            usleep(50_000)
        }
        self.pid = pid
        TestSSHServer.register(pid)
        let publicKey = (try? String(contentsOfFile: d + "/host_ed25519.pub", encoding: .utf8)) ?? ""
        let fields = publicKey.split(separator: " ")
        knownHosts = d + "/known_hosts"
        var lines = ["[127.0.0.1]:\(port) \(fields.prefix(2).joined(separator: " "))"]
        lines.append("[localhost]:\(port) \(fields.prefix(2).joined(separator: " "))")
        lines.append("[::1]:\(port) \(fields.prefix(2).joined(separator: " "))")
        for address in listen where !["127.0.0.1", "[::1]"].contains(address) {
            lines.append("\(KnownHostsName.name(address, port)) \(fields.prefix(2).joined(separator: " "))")
        }
        try? (lines.joined(separator: "\n") + "\n").write(toFile: knownHosts, atomically: true, encoding: .utf8)
        let sha = Shell.sh("ssh-keygen -lf \(d)/host_ed25519.pub -E sha256").stdout.split(separator: " ")
        hostKeyFingerprint = sha.count > 1 ? String(sha[1]) : ""
        let md5 = Shell.sh("ssh-keygen -lf \(d)/host_ed25519.pub -E md5").stdout.split(separator: " ")
        hostKeyMD5 = md5.count > 1 ? String(md5[1]) : ""
    }

    /// Whether the server process is running.
    var isRunning: Bool { pid > 0 && kill(pid, 0) == 0 }

    /// Kills the server's session processes, as a dropped network would end them, and then the server.
    func killSessions() {
        Shell.sh("for p in $(pgrep -P \(pid)); do pkill -KILL -P $p; kill -KILL $p; done; kill -KILL \(pid)")
    }

    /// Stops the server.
    func stop() {
        if pid > 0 { kill(pid, SIGTERM) }
    }

    /// A new empty folder for one test.
    /// A new folder for one test, `ferry-test-<name>-<random>` under the temporary folder, with
    /// `folders` (paths inside it) made too: the one place integration tests make scratch folders.
    static func scratch(_ name: String, folders: [String] = []) -> String {
        let path = NSTemporaryDirectory() + "ferry-test-\(name)-\(UUID().uuidString.prefix(8))"
        for folder in [""] + folders {
            try? FileManager.default.createDirectory(
                atPath: folder.isEmpty ? path : path + "/" + folder, withIntermediateDirectories: true)
        }
        return path
    }

    static func freePort() -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) }
        }
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        return Int(UInt16(bigEndian: address.sin_port))
    }

    private static let lock = NSLock()
    nonisolated(unsafe) private static var pids: [Int32] = []
    nonisolated(unsafe) private static var prepared = false

    private static func register(_ pid: Int32) {
        lock.lock()
        pids.append(pid)
        lock.unlock()
    }

    /// Creates the password user and arranges clean-up at exit, once per test process.
    private static func prepareOnce() {
        lock.lock()
        defer { lock.unlock() }
        if prepared { return }
        prepared = true
        if getuid() == 0 {
            Shell.sh(
                "id \(passwordUser) >/dev/null 2>&1 || useradd -m -s /bin/sh \(passwordUser);"
                    + " echo '\(passwordUser):\(password)' | chpasswd")
        }
        atexit {
            TestSSHServer.lock.lock()
            for pid in TestSSHServer.pids where pid > 0 { kill(pid, SIGTERM) }
            TestSSHServer.lock.unlock()
            if getuid() == 0 { _ = system("userdel -r \(TestSSHServer.passwordUser) >/dev/null 2>&1") }
        }
    }
}

/// How known_hosts names a host and port.
enum KnownHostsName {
    static func name(_ host: String, _ port: Int) -> String { port == 22 ? host : "[\(host)]:\(port)" }
}
