import Foundation
import Testing

@Suite("Commands against a real sshd", .tags(.integration))
struct CommandTests {
    let server = TestSSHServer.shared

    @Test func navigationCommandsPrintWhatPsftpPrints() {
        let remote = TestSSHServer.scratch("nav-remote", folders: ["sub"])
        let local = TestSSHServer.scratch("nav-local")
        let result = server.batch(
            """
            cd \(remote)
            pwd
            cd sub
            cd ..
            lcd \(local)
            lpwd
            cd
            """, in: local)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(
            result.stdout == """
                Remote working directory is /root
                Remote directory is now \(remote)
                Remote directory is \(remote)
                Remote directory is now \(remote)/sub
                Remote directory is now \(remote)
                New local directory is \(local)
                Current local directory is \(local)
                Remote directory is now /root

                """)
    }

    @Test func listingShowsLongLinesSortedAndFiltersPatterns() {
        let remote = TestSSHServer.scratch("ls")
        for name in ["b.log", "a.log", "c.txt", ".hidden"] { writeRandomFile(remote + "/" + name, bytes: 10) }
        let result = server.batch(
            "cd \(remote)\nls\ndir *.log\nls -1 \(remote)/c.txt\n",
            in: TestSSHServer.scratch("ls-scripts"))
        #expect(result.status == 0, "\(result.stderr)")
        let lines = result.stdout.split(separator: "\n").map(String.init)
        let listing = lines.drop { !$0.hasPrefix("Listing directory") }
        #expect(listing.first == "Listing directory \(remote)")
        let names = listing.dropFirst().prefix(4).map { $0.split(separator: " ").last.map(String.init) ?? "" }
        #expect(names == [".hidden", "a.log", "b.log", "c.txt"])
        #expect(listing.dropFirst().first?.hasPrefix("-rw") == true)
        let filtered = Array(listing.dropFirst(5))
        #expect(filtered.first == "Listing directory \(remote)")
        #expect(
            filtered.dropFirst().prefix(2).map { $0.split(separator: " ").last.map(String.init) ?? "" }
                == ["a.log", "b.log"])
        #expect(lines.last == "c.txt")
    }

    @Test func fileManagementCommands() throws {
        let remote = TestSSHServer.scratch("files")
        writeRandomFile(remote + "/a.txt", bytes: 5)
        writeRandomFile(remote + "/b.txt", bytes: 5)
        writeRandomFile(remote + "/old1.log", bytes: 5)
        writeRandomFile(remote + "/old2.log", bytes: 5)
        Shell.sh("chmod 644 \(remote)/a.txt \(remote)/b.txt")
        let result = server.batch(
            """
            cd \(remote)
            mkdir d1 d2
            rmdir d2
            mv a.txt renamed.txt
            ren renamed.txt d1
            chmod 600 b.txt
            chmod u+x,go-w d1/renamed.txt
            rm old*.log
            del b.txt
            """, in: remote)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("mkdir \(remote)/d1: OK"))
        #expect(result.stdout.contains("rmdir \(remote)/d2: OK"))
        #expect(result.stdout.contains("\(remote)/a.txt -> \(remote)/renamed.txt"))
        #expect(result.stdout.contains("\(remote)/renamed.txt -> \(remote)/d1/renamed.txt"))
        #expect(result.stdout.contains("\(remote)/b.txt: 0644 -> 0600"))
        #expect(result.stdout.contains("\(remote)/d1/renamed.txt: 0644 -> 0744"))
        #expect(result.stdout.contains("rm \(remote)/old1.log: OK"))
        #expect(result.stdout.contains("rm \(remote)/old2.log: OK"))
        let left = try FileManager.default.contentsOfDirectory(atPath: remote).sorted()
        #expect(left.filter { !$0.hasPrefix("script-") } == ["d1"])
        let mode = try FileManager.default.attributesOfItem(atPath: remote + "/d1/renamed.txt")[.posixPermissions]
        #expect(mode as? Int == 0o744)
    }

    @Test func mvOntoAnExistingFileReplacesItInOneStep() throws {
        let remote = TestSSHServer.scratch("mv-replace")
        Shell.sh("echo new > \(remote)/.app.new && echo old > \(remote)/app && ln \(remote)/app \(remote)/app.keep")
        let result = server.batch("cd \(remote)\nmv .app.new app\n", in: remote)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("\(remote)/.app.new -> \(remote)/app"))
        #expect(try String(contentsOfFile: remote + "/app", encoding: .utf8) == "new\n")
        // The old file was set aside and removed: a reader holding it (another link here) keeps it whole.
        #expect(try String(contentsOfFile: remote + "/app.keep", encoding: .utf8) == "old\n")
        let left = try FileManager.default.contentsOfDirectory(atPath: remote).filter { !$0.hasPrefix("script-") }
        #expect(left.sorted() == ["app", "app.keep"])
    }

    @Test func getAndPutSingleFilesWithNamesAndDirectories() throws {
        let remote = TestSSHServer.scratch("get-remote")
        let local = TestSSHServer.scratch("get-local", folders: ["into"])
        writeRandomFile(remote + "/data.bin", bytes: 3_000_000)
        writeRandomFile(local + "/up.bin", bytes: 1_234_567)
        let result = server.batch(
            """
            cd \(remote)
            lcd \(local)
            get data.bin
            get data.bin copy.bin
            get data.bin into
            put up.bin
            put up.bin up-renamed.bin
            """, in: local)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("remote:\(remote)/data.bin => local:data.bin"))
        #expect(result.stdout.contains("remote:\(remote)/data.bin => local:copy.bin"))
        #expect(result.stdout.contains("remote:\(remote)/data.bin => local:into/data.bin"))
        #expect(result.stdout.contains("local:up.bin => remote:\(remote)/up.bin"))
        #expect(result.stdout.contains("local:up.bin => remote:\(remote)/up-renamed.bin"))
        let original = checksum(remote + "/data.bin")
        for copy in ["data.bin", "copy.bin", "into/data.bin"] { #expect(checksum(local + "/" + copy) == original) }
        #expect(checksum(remote + "/up.bin") == checksum(local + "/up.bin"))
        #expect(checksum(remote + "/up-renamed.bin") == checksum(local + "/up.bin"))
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: local).filter { $0.contains(".ferry-") }
        #expect(leftovers.isEmpty)
    }

    @Test func mgetAndMputWithPatternsAndNoMatchWarning() throws {
        let remote = TestSSHServer.scratch("mget-remote")
        let local = TestSSHServer.scratch("mget-local")
        for i in 1...30 { writeRandomFile(remote + "/f\(i).tar.gz", bytes: 4096 + i) }
        writeRandomFile(remote + "/skip.txt", bytes: 10)
        for i in 1...12 { writeRandomFile(local + "/u\(i).dat", bytes: 100 * i) }
        let result = server.batch(
            """
            cd \(remote)
            lcd \(local)
            mget *.tar.gz
            mget *.nothing
            mput u*.dat
            """, in: local)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stderr.contains("warning: mget: *.nothing: nothing matched"))
        for i in 1...30 {
            #expect(checksum(local + "/f\(i).tar.gz") == checksum(remote + "/f\(i).tar.gz"))
        }
        #expect(!FileManager.default.fileExists(atPath: local + "/skip.txt"))
        for i in 1...12 { #expect(checksum(remote + "/u\(i).dat") == checksum(local + "/u\(i).dat")) }
        // Results come in listing order even when several connections share the work.
        let done = result.stdout.split(separator: "\n").filter { $0.hasPrefix("remote:") }
        #expect(done.count == 30)
        #expect(done == done.sorted())
    }

    @Test func recursiveTransfersCopyWholeTrees() throws {
        let remote = TestSSHServer.scratch("tree-remote")
        let local = TestSSHServer.scratch("tree-local")
        Shell.sh(
            "mkdir -p \(remote)/tree/a/b \(remote)/tree/c && echo one > \(remote)/tree/a/b/one"
                + " && echo two > \(remote)/tree/c/two && echo top > \(remote)/tree/top")
        let result = server.batch(
            """
            cd \(remote)
            lcd \(local)
            get -r tree
            put -r tree uploaded
            """, in: local)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(Shell.sh("diff -r \(remote)/tree \(local)/tree").status == 0)
        #expect(Shell.sh("diff -r \(remote)/tree \(remote)/uploaded").status == 0)
    }

    @Test func resumeContinuesFromWhatIsAlreadyThere() throws {
        let remote = TestSSHServer.scratch("resume-remote")
        let local = TestSSHServer.scratch("resume-local")
        writeRandomFile(remote + "/big.bin", bytes: 5_000_000)
        Shell.sh("head -c 1000000 \(remote)/big.bin > \(local)/big.bin")
        writeRandomFile(local + "/up.bin", bytes: 2_000_000)
        Shell.sh("head -c 123456 \(local)/up.bin > \(remote)/up.bin")
        let result = server.batch("cd \(remote)\nlcd \(local)\nreget big.bin\nreput up.bin\n", in: local)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("reget: restarting at file position 1000000"))
        #expect(result.stdout.contains("reput: restarting at file position 123456"))
        #expect(checksum(local + "/big.bin") == checksum(remote + "/big.bin"))
        #expect(checksum(local + "/up.bin") == checksum(remote + "/up.bin"))
    }

    @Test func preserveKeepsModeAndTime() throws {
        let remote = TestSSHServer.scratch("preserve-remote")
        let local = TestSSHServer.scratch("preserve-local")
        writeRandomFile(remote + "/keep.sh", bytes: 100)
        Shell.sh("chmod 750 \(remote)/keep.sh && touch -d '2020-01-02 03:04:05' \(remote)/keep.sh")
        writeRandomFile(local + "/mine.sh", bytes: 100)
        Shell.sh("chmod 705 \(local)/mine.sh && touch -d '2019-05-06 07:08:09' \(local)/mine.sh")
        let result = server.batch(
            "cd \(remote)\nlcd \(local)\nget -p keep.sh\nput -p mine.sh\nget keep.sh plain.sh\n",
            in: local)
        #expect(result.status == 0, "\(result.stderr)")
        let got = try FileManager.default.attributesOfItem(atPath: local + "/keep.sh")
        #expect(got[.posixPermissions] as? Int == 0o750)
        #expect(
            (got[.modificationDate] as? Date).map { Int($0.timeIntervalSince1970) }
                == Int(Shell.sh("stat -c %Y \(remote)/keep.sh").stdout.trimmingCharacters(in: .whitespacesAndNewlines)))
        let put = try FileManager.default.attributesOfItem(atPath: remote + "/mine.sh")
        #expect(put[.posixPermissions] as? Int == 0o705)
        #expect(Shell.sh("stat -c %Y \(local)/mine.sh").stdout == Shell.sh("stat -c %Y \(remote)/mine.sh").stdout)
        // Without -p a new file still gets the remote permission bits, less the umask, as psftp gives them.
        let plain = try FileManager.default.attributesOfItem(atPath: local + "/plain.sh")
        #expect(plain[.posixPermissions] as? Int == 0o750)
    }

    @Test func localCommandRunsInTheLocalDirectory() throws {
        let local = TestSSHServer.scratch("bang")
        let result = server.batch(
            "lcd \(local)\n!echo hello > made-by-shell.txt\n!exit 3\n", in: "/tmp",
            extra: ["-be"])
        #expect(try String(contentsOfFile: local + "/made-by-shell.txt", encoding: .utf8) == "hello\n")
        #expect(result.stderr.contains("!: 'exit 3' exited with status 3"))
        #expect(result.status == 8)
    }

    @Test func helpListsCommandsAndExplainsOne() {
        let result = FerryBinary.run(["-b", "/dev/stdin"], input: "help\nhelp mget\n")
        #expect(result.status == 0, "\(result.stderr)")
        #expect(
            result.stdout.split(separator: "\n").contains {
                $0.hasPrefix("mget ") && $0.hasSuffix("  download many files")
            })
        #expect(result.stdout.contains("usage: mget [-r] [-p] [-a] [-V] remote-pattern..."))
    }

    @Test func openCloseAndOpenAgainInOneScript() {
        let local = TestSSHServer.scratch("open")
        let file = local + "/s.scr"
        try? """
        open root@127.0.0.1 \(server.port)
        pwd
        close
        pwd
        open root@127.0.0.1:\(server.port)
        pwd
        bye
        pwd
        """.write(toFile: file, atomically: true, encoding: .utf8)
        let result = FerryBinary.run(
            [
                "-batch", "-be", "-i", server.ed25519Key, "--known-hosts", server.knownHosts,
                "-b", file,
            ], directory: local)
        #expect(result.stdout.components(separatedBy: "Remote directory is /root").count == 3)
        #expect(result.stderr.contains("pwd: not connected to a host; use 'open [user@]host'"))
        #expect(result.status == 6)
    }
}
