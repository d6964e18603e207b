import Foundation
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// PEM copies already made, by the OpenSSH-format text they were made from. They are still encrypted
/// with the key's passphrase, so keeping them costs nothing in secrecy and saves a run of ssh-keygen
/// for every further connection with the same key.
private let pemCopies = Mutex<[String: String]>([:])

extension PrivateKeyFile {
    /// A passphrase-protected RSA key in OpenSSH's format, re-saved by OpenSSH's `ssh-keygen` as a PEM
    /// key encrypted with the same passphrase, or nil when ssh-keygen is not on `PATH` or the
    /// passphrase is wrong.
    ///
    /// OpenSSH's format derives its cipher key with bcrypt-pbkdf, which no library on Debian offers
    /// in its public interface; PEM keys are opened by OpenSSL, which then signs with SHA-256. The copy
    /// is made in a private folder (on a memory file system where there is one), never holds the key
    /// unencrypted, and is removed at once. The passphrase reaches ssh-keygen on its standard input,
    /// never on its command line.
    static func pemCopy(ofOpenSSHKey text: String, passphrase: String) -> String? {
        if let known = pemCopies.withLock({ $0[text] }) { return known }
        guard !passphrase.contains("\n"), let keygen = executableOnPath("ssh-keygen"),
            let folder = privateFolder()
        else { return nil }
        let keyPath = folder + "/key"
        // The whole folder goes, with any file ssh-keygen may have made beside the key.
        defer { try? FileManager.default.removeItem(atPath: folder) }
        guard writePrivately(text, to: keyPath) else { return nil }

        // The answers (old passphrase, new one twice) wait in the pipe before ssh-keygen starts, so
        // nothing is written to a pipe whose reader may already have gone.
        let answers = Pipe()
        answers.fileHandleForWriting.write(Data(String(repeating: passphrase + "\n", count: 3).utf8))
        try? answers.fileHandleForWriting.close()
        let process = Process()
        process.executableURL = URL(fileURLWithPath: keygen)
        process.arguments = ["-q", "-p", "-m", "PEM", "-f", keyPath]
        // No DISPLAY and SSH_ASKPASS_REQUIRE=never: ssh-keygen must read the pipe, not open a dialog.
        process.environment = ["PATH": "/usr/bin:/bin", "LANG": "C", "SSH_ASKPASS_REQUIRE": "never"]
        process.standardInput = answers.fileHandleForReading
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        let exited = DispatchSemaphore(value: 0)
        process.terminationHandler = { _ in exited.signal() }
        do {
            try process.run()
        } catch {
            return nil
        }
        if exited.wait(timeout: .now() + 30) == .timedOut { process.terminate() }
        process.waitUntilExit()
        guard process.terminationReason == .exit, process.terminationStatus == 0,
            let pem = try? String(contentsOfFile: keyPath, encoding: .utf8),
            pem.hasPrefix("-----BEGIN RSA PRIVATE KEY-----")
        else { return nil }
        pemCopies.withLock { $0[text] = pem }
        return pem
    }

    /// The first executable called `name` in the directories of `PATH`.
    private static func executableOnPath(_ name: String) -> String? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        return path.split(separator: ":").map { "\($0)/\(name)" }
            .first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    /// A new folder only this user can enter: under `$XDG_RUNTIME_DIR` or `/dev/shm` (memory) if
    /// possible, else the temporary folder.
    private static func privateFolder() -> String? {
        var bases: [String] = []
        if let runtime = ProcessInfo.processInfo.environment["XDG_RUNTIME_DIR"], !runtime.isEmpty {
            bases.append(runtime)
        }
        bases += ["/dev/shm", NSTemporaryDirectory()]
        for base in bases where access(base, W_OK | X_OK) == 0 {
            var template = Array((base.hasSuffix("/") ? base : base + "/").utf8CString.dropLast())
            template += Array("ferry-key-XXXXXX".utf8CString)
            if let made = mkdtemp(&template) { return String(cString: made) }
        }
        return nil
    }

    /// Writes `text` to a new file that only this user may read.
    private static func writePrivately(_ text: String, to path: String) -> Bool {
        let descriptor = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else { return false }
        let bytes = Array(text.utf8)
        let written = bytes.withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
        return close(descriptor) == 0 && written == bytes.count
    }
}
