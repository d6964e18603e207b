import Foundation
import Testing

@testable import FerryTransport

/// PuTTY key files made by puttygen, read and turned into OpenSSH keys that `ssh-keygen` accepts.
@Suite("PuTTY key files", .tags(.integration))
struct PPKTests {
    static let types: [(String, [String])] = [
        ("ssh-rsa", ["-t", "rsa", "-b", "2048"]), ("ssh-ed25519", ["-t", "ed25519"]),
        ("ecdsa-sha2-nistp256", ["-t", "ecdsa", "-b", "256"]), ("ecdsa-sha2-nistp384", ["-t", "ecdsa", "-b", "384"]),
        ("ecdsa-sha2-nistp521", ["-t", "ecdsa", "-b", "521"]),
    ]

    /// Makes a key with puttygen; returns the .ppk path and the OpenSSH public key line puttygen gives.
    func make(_ arguments: [String], version: Int, passphrase: String, in folder: String) -> (String, String) {
        let name = folder + "/key-\(UUID().uuidString.prefix(6))"
        try? passphrase.write(toFile: name + ".pass", atomically: true, encoding: .utf8)
        Shell.run(
            "/usr/bin/puttygen",
            arguments + [
                "-o", name + ".ppk", "-O", "private", "--new-passphrase", name + ".pass", "--ppk-param",
                "version=\(version)",
            ])
        let publicLine = Shell.run("/usr/bin/puttygen", ["-L", name + ".ppk", "--old-passphrase", name + ".pass"])
        let expected = publicLine.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(expected.split(separator: " ").count >= 2, "puttygen gave no public key: \(publicLine.stderr)")
        return (name + ".ppk", expected)
    }

    /// Whether two public key lines hold the same key (type and data; comments may differ).
    func sameKey(_ one: String, _ other: String) -> Bool {
        one.split(separator: " ").prefix(2) == other.split(separator: " ").prefix(2)
    }

    /// The public key `ssh-keygen -y` derives from an OpenSSH private key text.
    func publicKey(ofOpenSSH text: String, in folder: String) -> String {
        let path = folder + "/converted-\(UUID().uuidString.prefix(6))"
        try? text.write(toFile: path, atomically: true, encoding: .utf8)
        chmod(path, 0o600)
        return Shell.run("/usr/bin/ssh-keygen", ["-y", "-f", path]).stdout.trimmingCharacters(
            in: .whitespacesAndNewlines)
    }

    @Test(arguments: [2, 3])
    func unencryptedKeysOfEveryTypeConvert(version: Int) throws {
        let folder = TestSSHServer.scratch("ppk")
        for (type, arguments) in Self.types {
            let (path, expected) = make(arguments, version: version, passphrase: "", in: folder)
            let file = try PPKFile(text: String(contentsOfFile: path, encoding: .utf8))
            #expect(file.keyType == type && file.version == version && !file.isEncrypted)
            let converted = try file.openSSHPrivateKey(passphrase: nil)
            let derived = publicKey(ofOpenSSH: converted, in: folder)
            // ssh-keygen -y prints the comment too; compare type and key.
            #expect(
                sameKey(derived, expected),
                "\(type) v\(version)")
        }
    }

    @Test(arguments: [2, 3])
    func encryptedKeysNeedTheRightPassphrase(version: Int) throws {
        let folder = TestSSHServer.scratch("ppk-enc")
        for (type, arguments) in Self.types {
            let (path, expected) = make(arguments, version: version, passphrase: "correct horse", in: folder)
            let file = try PPKFile(text: String(contentsOfFile: path, encoding: .utf8))
            #expect(file.isEncrypted, "\(type)")
            #expect(throws: PPKFile.Failure.needsPassphrase) { try file.openSSHPrivateKey(passphrase: nil) }
            #expect(throws: PPKFile.Failure.macMismatch(encrypted: true)) {
                try file.openSSHPrivateKey(passphrase: "wrong horse")
            }
            let converted = try file.openSSHPrivateKey(passphrase: "correct horse")
            #expect(
                sameKey(publicKey(ofOpenSSH: converted, in: folder), expected), "\(type)")
        }
    }

    @Test func aChangedFileFailsItsMAC() throws {
        let folder = TestSSHServer.scratch("ppk-tamper")
        let (path, _) = make(["-t", "ed25519"], version: 2, passphrase: "", in: folder)
        let text = try String(contentsOfFile: path, encoding: .utf8)
        let tampered = text.replacingOccurrences(of: "Comment: ", with: "Comment: x")
        let file = try PPKFile(text: tampered)
        #expect(throws: PPKFile.Failure.macMismatch(encrypted: false)) { try file.openSSHPrivateKey(passphrase: nil) }
        #expect(throws: PPKFile.Failure.unsupportedKeyType("ssh-dss")) {
            try PPKFile(text: text.replacingOccurrences(of: "ssh-ed25519", with: "ssh-dss"))
        }
    }

    @Test func puttyKeysLogIn() throws {
        let server = TestSSHServer.shared
        let folder = TestSSHServer.scratch("ppk-login")
        try "pass phrase".write(toFile: folder + "/pass", atomically: true, encoding: .utf8)
        // Every type, made by puttygen and authorised on the server, in each version, with and without
        // a passphrase.
        for (type, arguments) in Self.types {
            for version in [2, 3] {
                for passphrase in ["", "pass phrase"] {
                    let (ppk, publicLine) = make(arguments, version: version, passphrase: passphrase, in: folder)
                    Shell.sh("echo '\(publicLine)' >> '\(server.directory)/authorized_keys'")
                    let result = server.batch(
                        "pwd\n", in: folder, key: ppk,
                        environment: passphrase.isEmpty ? [:] : ["FERRY_PASSPHRASE": passphrase])
                    let label = "\(type) v\(version)\(passphrase.isEmpty ? "" : " encrypted")"
                    #expect(result.status == 0, "\(label): \(result.stderr)")
                    #expect(result.stdout.contains("Remote directory is /root"), "\(label)")
                }
            }
        }
        let locked = folder + "/locked.ppk"
        Shell.run(
            "/usr/bin/puttygen",
            [
                server.ed25519Key, "-O", "private", "-o", locked, "--new-passphrase", folder + "/pass",
                "--ppk-param", "version=2",
            ])
        let wrong = server.batch("pwd\n", in: folder, key: locked, environment: ["FERRY_PASSPHRASE": "nope"])
        #expect(wrong.status == 4)
        #expect(wrong.stderr.contains("locked.ppk"), "\(wrong.stderr)")
        #expect(wrong.stderr.lowercased().contains("passphrase"), "\(wrong.stderr)")
    }

    @Test func keyConvertWritesAPrivateOpenSSHKey() throws {
        let folder = TestSSHServer.scratch("ppk-convert")
        let (path, expected) = make(["-t", "ecdsa", "-b", "384"], version: 3, passphrase: "pass phrase", in: folder)
        let out = folder + "/converted"
        let wrong = FerryBinary.run(
            ["key", "convert", path, out], directory: folder, environment: ["FERRY_PASSPHRASE": "nope"])
        #expect(wrong.status == 2)
        #expect(wrong.stderr.contains("wrong passphrase"), "\(wrong.stderr)")
        #expect(!FileManager.default.fileExists(atPath: out))

        let result = FerryBinary.run(
            ["key", "convert", path, out], directory: folder, environment: ["FERRY_PASSPHRASE": "pass phrase"])
        #expect(result.status == 0, "\(result.stderr)")
        let attributes = try FileManager.default.attributesOfItem(atPath: out)
        #expect((attributes[.posixPermissions] as? Int) == 0o600)
        let derived = Shell.run("/usr/bin/ssh-keygen", ["-y", "-f", out]).stdout
        #expect(sameKey(derived, expected))

        let again = FerryBinary.run(
            ["key", "convert", path, out], directory: folder, environment: ["FERRY_PASSPHRASE": "pass phrase"])
        #expect(again.status == 2)
        #expect(again.stderr.contains("already exists"))
    }

    /// A key file decides how much memory and time its Argon2 derivation takes: past 256 MiB, or
    /// memory times passes past 4 GiB, it is refused before any is spent, on the login path and in
    /// `key convert` alike.
    @Test func argon2ParametersPastTheLimitsAreRefusedBeforeDeriving() throws {
        let server = TestSSHServer.shared
        let folder = TestSSHServer.scratch("ppk-argon2")
        let (path, _) = make(["-t", "ed25519"], version: 3, passphrase: "pass phrase", in: folder)
        let text = try String(contentsOfFile: path, encoding: .utf8)
        func variant(memory: Int, passes: Int) throws -> String {
            let file = folder + "/m\(memory)-p\(passes).ppk"
            let lines = text.split(separator: "\n", omittingEmptySubsequences: false).map { line in
                line.hasPrefix("Argon2-Memory: ")
                    ? "Argon2-Memory: \(memory)"
                    : line.hasPrefix("Argon2-Passes: ") ? "Argon2-Passes: \(passes)" : String(line)
            }
            try lines.joined(separator: "\n").write(toFile: file, atomically: true, encoding: .utf8)
            return file
        }
        let environment = ["FERRY_PASSPHRASE": "pass phrase"]
        for (memory, passes, named) in [(1_048_576, 1, "Argon2-Memory 1048576"), (262_144, 1000, "Argon2-Passes 1000")]
        {
            let key = try variant(memory: memory, passes: passes)
            let timed = Shell.run(
                "/usr/bin/time", ["-f", "peak=%M", FerryBinary.path, "key", "convert", key, key + ".out"],
                environment: environment.merging(["HOME": folder, "PATH": "/usr/bin:/bin"]) { $1 })
            #expect(timed.status == 2, "\(timed.stderr)")
            #expect(timed.stderr.contains(named + " is more than Ferry spends on a key"), "\(timed.stderr)")
            let peak = Int(timed.stderr.split(separator: "peak=").last?.prefix { $0.isNumber } ?? "") ?? .max
            #expect(peak < 200_000, "peak \(peak) KiB")
            let login = server.batch("pwd\n", in: folder, key: key, environment: environment)
            #expect(login.status == 4, "\(login.stderr)")
            #expect(login.stderr.contains(named), "\(login.stderr)")
        }
        // Within the limits the key works (puttygen's own parameters, made larger but still allowed).
        let allowed = server.batch(
            "pwd\n", in: folder, key: try variant(memory: 65_536, passes: 4), environment: environment)
        #expect(allowed.status == 4 && allowed.stderr.contains("wrong passphrase"), "\(allowed.stderr)")
    }

    @Test func unusablePuTTYFilesGetAOneLineReason() throws {
        let server = TestSSHServer.shared
        let folder = TestSSHServer.scratch("ppk-bad")
        let (path, _) = make(["-t", "ed25519"], version: 3, passphrase: "", in: folder)
        Shell.run("/usr/bin/puttygen", [path, "-O", "public", "-o", folder + "/public.pub"])
        let publicOnly = server.batch("pwd\n", in: folder, key: folder + "/public.pub")
        #expect(publicOnly.status == 4)
        #expect(
            publicOnly.stderr.contains("public.pub") && publicOnly.stderr.contains("public key"), "\(publicOnly.stderr)"
        )

        let text = try String(contentsOfFile: path, encoding: .utf8)
        try text.replacingOccurrences(of: "Comment: ", with: "Comment: changed ").write(
            toFile: folder + "/changed.ppk", atomically: true, encoding: .utf8)
        let changed = server.batch("pwd\n", in: folder, key: folder + "/changed.ppk")
        #expect(changed.status == 4)
        #expect(changed.stderr.contains("changed.ppk") && changed.stderr.contains("MAC mismatch"), "\(changed.stderr)")

        Shell.run(
            "/usr/bin/puttygen",
            ["-t", "dsa", "-o", folder + "/dsa.ppk", "-O", "private", "--new-passphrase", "/dev/null"])
        let dsa = server.batch("pwd\n", in: folder, key: folder + "/dsa.ppk")
        #expect(dsa.status == 4)
        #expect(dsa.stderr.contains("dsa.ppk") && dsa.stderr.contains("ssh-dss is not supported"), "\(dsa.stderr)")
    }
}
