import Foundation
import Testing

@Suite("Safe transfers and error paths", .tags(.integration))
struct SafetyTests {
    let server = TestSSHServer.shared

    @Test func missingRemoteFileNamesCommandPathAndReason() throws {
        let local = TestSSHServer.scratch("missing")
        let result = server.batch("get /no/such/file.tar.gz\n", in: local)
        #expect(result.status == 7)
        #expect(result.stderr.hasPrefix("get: /no/such/file.tar.gz: no such file or directory\n"))
        #expect(try FileManager.default.contentsOfDirectory(atPath: local).filter { !$0.hasPrefix("script-") }.isEmpty)
    }

    @Test(.enabled(if: getuid() == 0, "mounting needs root"))
    func unwritableLocalFolderFailsCleanly() {
        let local = TestSSHServer.scratch("readonly")
        let remote = TestSSHServer.scratch("readonly-remote")
        writeRandomFile(remote + "/x.bin", bytes: 1000)
        #expect(Shell.sh("mount -t tmpfs -o ro,size=1m tmpfs \(local)").status == 0)
        defer { Shell.sh("umount \(local)") }
        let result = server.batch("lcd \(local)\nget \(remote)/x.bin\n", in: remote)
        #expect(result.status == 7)
        #expect(result.stderr.contains("get: \(local): cannot create file: read-only file system"))
    }

    @Test(.enabled(if: getuid() == 0, "mounting needs root"))
    func fullDiskLeavesNoTruncatedFile() throws {
        let local = TestSSHServer.scratch("full")
        let remote = TestSSHServer.scratch("full-remote")
        writeRandomFile(remote + "/big.bin", bytes: 3_000_000)
        #expect(Shell.sh("mount -t tmpfs -o size=1m tmpfs \(local)").status == 0)
        defer { Shell.sh("umount \(local)") }
        try "old contents".write(toFile: local + "/big.bin", atomically: false, encoding: .utf8)
        let result = server.batch("lcd \(local)\nget \(remote)/big.bin\n", in: remote)
        #expect(result.status == 7)
        #expect(result.stderr.contains("get: big.bin: write: no space left on the local disk"), "\(result.stderr)")
        #expect(result.stderr.components(separatedBy: "no space").count == 2, "one line: \(result.stderr)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: local) == ["big.bin"])
        #expect(try String(contentsOfFile: local + "/big.bin", encoding: .utf8) == "old contents")
    }

    @Test func largeFilesSurviveBothWays() {
        let remote = TestSSHServer.scratch("large-remote")
        let local = TestSSHServer.scratch("large-local")
        writeRandomFile(remote + "/r.bin", bytes: 64 * 1024 * 1024 + 12345)
        writeRandomFile(local + "/l.bin", bytes: 48 * 1024 * 1024 + 777)
        let result = server.batch("cd \(remote)\nlcd \(local)\nget r.bin\nput l.bin\n", in: local)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(checksum(local + "/r.bin") == checksum(remote + "/r.bin"))
        #expect(checksum(remote + "/l.bin") == checksum(local + "/l.bin"))
    }

    @Test func droppedConnectionFailsTheTransferAndKeepsNoPartialFile() throws {
        let dropping = TestSSHServer(name: "dropping")
        let remote = TestSSHServer.scratch("drop-remote")
        let local = TestSSHServer.scratch("drop-local")
        writeRandomFile(remote + "/huge.bin", bytes: 400 * 1024 * 1024)
        // Kill the server and its session processes once the transfer is under way.
        let killer = Thread {
            Marker.file(local + "/.huge.bin.ferry-part", atLeast: 1 << 20).wait()
            dropping.killSessions()
        }
        killer.start()
        let result = dropping.batch("cd \(remote)\nlcd \(local)\nget huge.bin\n", in: local, extra: ["--retries", "0"])
        #expect(result.status == 6, "\(result.stderr)")
        #expect(result.stderr.contains("get: "))
        #expect(try FileManager.default.contentsOfDirectory(atPath: local).filter { !$0.hasPrefix("script-") }.isEmpty)
    }
}

@Suite("Error messages", .tags(.integration))
struct ErrorMessageTests {
    let server = TestSSHServer.shared

    @Test func commonMistakesGetOneLineEachNamingCommandPathAndReason() {
        let remote = TestSSHServer.scratch("mistakes")
        Shell.sh("mkdir -p \(remote)/full/dir \(remote)/full/a && echo a > \(remote)/a && echo b > \(remote)/b")
        let result = server.batch(
            """
            cd \(remote)
            mv a full
            mkdir full
            rmdir full
            get full
            cd a
            lcd /no/such/folder
            put /no/such/local.file
            chmod 644 nothing*
            """, in: TestSSHServer.scratch("mistakes-local"), extra: ["-be"])
        #expect(result.status == 7)
        #expect(
            result.stderr == """
                mv: \(remote)/full/a: a directory is in the way
                mkdir: \(remote)/full: file already exists
                rmdir: \(remote)/full: directory not empty
                get: \(remote)/full: is a directory (use get -r)
                cd: \(remote)/a: not a directory
                lcd: /no/such/folder: no such file or directory
                put: /no/such/local.file: no such file or directory
                chmod: nothing*: nothing matched

                """)
    }
}
