import Foundation
import Testing

/// `--verify`, `get -V`/`put -V` and `verify REMOTE LOCAL` against the real sshd, against an sshd
/// whose `sha256sum` changes the file before hashing it (a file altered on the server between the
/// transfer and the check), against an SFTP-only account, and against a server that lies about digests.
@Suite("Verified transfers", .tags(.integration))
struct VerifyTests {
    let server = TestSSHServer.shared

    @Test func verifiedTransfersAndVerifyOnEqualAndDifferentFiles() throws {
        let folder = TestSSHServer.scratch("verify", folders: ["local"])
        let remote = folder + "/remote"
        try FileManager.default.createDirectory(atPath: remote + "/tree/sub", withIntermediateDirectories: true)
        writeRandomFile(remote + "/big.bin", bytes: 6_000_000)
        for name in ["a.txt", "b.txt", "tree/one", "tree/sub/two"] {
            try "\(name)\n".write(toFile: remote + "/" + name, atomically: true, encoding: .utf8)
        }
        let script = """
            cd \(remote)
            lcd \(folder)/local
            get -V big.bin
            mget -V *.txt
            get -r -V tree
            put -V big.bin up.bin
            put big.bin plain.bin
            verify big.bin
            verify up.bin big.bin
            -verify a.txt b.txt
            -verify big.bin a.txt

            """
        // --streams 2 splits the big file over two connections: the split paths verify too.
        let result = server.batch(script, in: folder, extra: ["--verify", "--streams", "2", "-v"])
        #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
        #expect(result.stderr.contains("verify: the server hashes files with sha256sum"))
        #expect(checksum(folder + "/local/big.bin") == checksum(remote + "/big.bin"))
        #expect(checksum(remote + "/up.bin") == checksum(remote + "/big.bin"))
        #expect(FileManager.default.contents(atPath: folder + "/local/tree/sub/two") == Data("tree/sub/two\n".utf8))
        let sum = checksum(remote + "/big.bin")
        #expect(result.stdout.contains("verify: remote:\(remote)/big.bin and local:big.bin match: SHA-256 \(sum)"))
        #expect(result.stdout.contains("verify: remote:\(remote)/up.bin and local:big.bin match"))
        #expect(result.stderr.contains("verify: remote:\(remote)/a.txt and local:b.txt differ: SHA-256 "))
        #expect(result.stderr.contains("verify: remote:\(remote)/big.bin and local:a.txt differ: 6000000 bytes"))

        // Without the dash, a difference fails the script (a file command's status).
        let differ = server.batch("cd \(remote)\nlcd \(folder)/local\nverify a.txt b.txt\n", in: folder)
        #expect(differ.status == 7, "\(differ.stderr)")
    }

    @Test func aFileAlteredOnTheServerBeforeTheCheckIsRemovedAndNeverPutInPlace() throws {
        // This sshd's sessions find a sha256sum that first appends to the file it is asked about, as
        // if the file changed on the server between the transfer and the check.
        let tools = TestSSHServer.scratch("verify-tools")
        try """
        #!/bin/sh
        target=$(readlink /proc/$$/fd/0)
        printf 'changed' >> "$target"
        exec /usr/bin/sha256sum "$@"

        """.write(toFile: tools + "/sha256sum", atomically: true, encoding: .utf8)
        Shell.sh("chmod 755 '\(tools)/sha256sum'")
        let altering = TestSSHServer(name: "verify-alter", extraConfig: ["SetEnv PATH=\(tools):/usr/bin:/bin"])
        defer { altering.stop() }
        let folder = TestSSHServer.scratch("verify-alter", folders: ["local"])
        writeRandomFile(folder + "/data.bin", bytes: 300_000)
        writeRandomFile(folder + "/local/upload.bin", bytes: 200_000)
        try "old target\n".write(toFile: folder + "/target.bin", atomically: true, encoding: .utf8)

        let get = altering.batch("lcd \(folder)/local\nget -V \(folder)/data.bin\n", in: folder)
        #expect(get.status == 7, "\(get.stdout)\(get.stderr)")
        #expect(get.stderr.contains("SHA-256 differs after the transfer"), "\(get.stderr)")
        #expect(get.stderr.contains("the copy was removed"))
        let left = try FileManager.default.contentsOfDirectory(atPath: folder + "/local")
        #expect(left == ["upload.bin"], "\(left)")

        let put = altering.batch("lcd \(folder)/local\nput -V upload.bin \(folder)/target.bin\n", in: folder)
        #expect(put.status == 7, "\(put.stdout)\(put.stderr)")
        #expect(put.stderr.contains("SHA-256 differs after the transfer"), "\(put.stderr)")
        #expect(FileManager.default.contents(atPath: folder + "/target.bin") == Data("old target\n".utf8))
        let parts = try FileManager.default.contentsOfDirectory(atPath: folder).filter { $0.contains("ferry-") }
        #expect(parts.isEmpty, "\(parts)")
    }

    @Test func aServerWithShasumOnlyIsVerifiedWithIt() throws {
        // The sessions' PATH holds sh and shasum (Perl's, from Debian's perl package), not sha256sum.
        let tools = TestSSHServer.scratch("verify-shasum-tools")
        Shell.sh(
            "ln -s /bin/sh '\(tools)/sh' && ln -s /usr/bin/shasum '\(tools)/shasum' && ln -s /usr/bin/perl '\(tools)/perl'"
        )
        let server = TestSSHServer(name: "verify-shasum", extraConfig: ["SetEnv PATH=\(tools)"])
        defer { server.stop() }
        let folder = TestSSHServer.scratch("verify-shasum", folders: ["local"])
        writeRandomFile(folder + "/data.bin", bytes: 100_000)
        let result = server.batch("lcd \(folder)/local\nget -V \(folder)/data.bin\n", in: folder, extra: ["-v"])
        #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
        #expect(result.stderr.contains("verify: the server hashes files with shasum -a 256"), "\(result.stderr)")
        #expect(checksum(folder + "/local/data.bin") == checksum(folder + "/data.bin"))
    }

    @Test func anSFTPOnlyAccountSaysItCannotVerifyAndMovesNothing() throws {
        let sftpOnly = TestSSHServer(name: "verify-sftp-only", extraConfig: ["ForceCommand internal-sftp"])
        defer { sftpOnly.stop() }
        let folder = TestSSHServer.scratch("verify-sftp-only", folders: ["local"])
        writeRandomFile(folder + "/data.bin", bytes: 100_000)
        let result = sftpOnly.batch("lcd \(folder)/local\nget -V \(folder)/data.bin\n", in: folder)
        #expect(result.status == 7, "\(result.stdout)\(result.stderr)")
        #expect(
            result.stderr.contains(
                "get: cannot verify on 127.0.0.1: this account runs no shell commands there (an SFTP-only"
                    + " login?); nothing was transferred"), "\(result.stderr)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder + "/local").isEmpty)
        let compare = sftpOnly.batch("lcd \(folder)\nverify \(folder)/data.bin\n", in: folder)
        #expect(
            compare.status == 7 && compare.stderr.contains("verify: cannot verify on 127.0.0.1"), "\(compare.stderr)")
        // Without -V the same account transfers as usual.
        let plain = sftpOnly.batch("lcd \(folder)/local\nget \(folder)/data.bin\n", in: folder)
        #expect(plain.status == 0, "\(plain.stderr)")
    }

    @Test func aServerThatLiesAboutDigestsIsNotBelieved() throws {
        // The hostile server serves "pwned\n" for any path and answers every command with fixed text.
        let served = "pwned\n"
        let right = Shell.sh("printf '\(served)' | sha256sum | cut -d' ' -f1").stdout.trimmingCharacters(
            in: .whitespacesAndNewlines)
        let cases: [(stdout: String, status: Int32, message: String)] = [
            ("ferry-sha256 sha256sum\n\(right)\n", 0, ""),
            ("ferry-sha256 sha256sum\n\(String(repeating: "0", count: 64))\n", 7, "SHA-256 differs after the transfer"),
            ("ferry-sha256 sha256sum\nnot a digest \u{1b}[31m\n", 7, "the server could not read /data.bin to hash it"),
            ("ferry-sha256 none\n", 7, "it has neither sha256sum nor shasum; nothing was transferred"),
            ("ferry-sha256 rm -rf /\n", 7, "it has neither sha256sum nor shasum"),
        ]
        for (stdout, status, message) in cases {
            let hostile = HostileServer(["exec": ["stdout": stdout, "status": 0]])
            let folder = TestSSHServer.scratch("verify-hostile")
            let result = hostile.batch("get -V /data.bin\n", in: folder)
            #expect(result.status == status, "\(stdout): \(result.stdout)\(result.stderr)")
            #expect(message.isEmpty || result.stderr.contains(message), "\(stdout): \(result.stderr)")
            #expect(!hasRawControls(result.stderr))
            let files = try FileManager.default.contentsOfDirectory(atPath: folder).filter { !$0.hasSuffix(".scr") }
            #expect(files == (status == 0 ? ["data.bin"] : []), "\(stdout): \(files)")
        }
    }
}
