import Foundation
import Testing

/// Uploads that replace a file only when complete, and resumes that check what they continue, against
/// a real sshd (a slow relay in front of it makes a transfer long enough to kill half-way).
@Suite("Atomic uploads and verified resumes", .tags(.integration), .serialized)
struct FaultTests {
    let server = TestSSHServer.shared

    /// What is in `folder`, hidden names included, sorted.
    func names(_ folder: String) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []).sorted()
    }

    func size(_ path: String) -> UInt64 {
        (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? UInt64) ?? 0
    }

    /// Runs `script` through a relay that passes 4 MB/s and kills Ferry with `signal` after 2 seconds.
    /// Runs `script` through a slow relay and kills Ferry once `marker` shows (a file well under way).
    func killedHalfWay(
        _ script: String, in local: String, when marker: Marker, extra: [String] = [], signal: String = "SIGKILL"
    ) throws -> RunResult {
        let slow = try Relay(to: server, ["slow:4000000"], knownHostsIn: local)
        try script.write(toFile: local + "/slow.scr", atomically: true, encoding: .utf8)
        let arguments = ["-batch", "-b", "slow.scr"] + extra + slow.options
        return FerryBinary.interrupted(when: marker, arguments, directory: local, signal: signal)
    }

    @Test func aKilledPutLeavesTheOldFileWholeAndReputFinishesIt() throws {
        let remote = TestSSHServer.scratch("atomic-remote")
        let local = TestSSHServer.scratch("atomic-local")
        writeRandomFile(remote + "/backup.tar", bytes: 1 << 20)
        let old = checksum(remote + "/backup.tar")
        writeRandomFile(local + "/backup.tar", bytes: 24 << 20)
        let killed = try killedHalfWay(
            "put backup.tar \(remote)/backup.tar\n", in: local,
            when: .file(remote + "/.backup.tar.ferry-part", atLeast: 4 << 20))
        #expect(killed.stdout.hasPrefix("STATUS=-9"), "\(killed.stdout)")
        #expect(checksum(remote + "/backup.tar") == old, "the old file changed under a killed put")
        let part = remote + "/.backup.tar.ferry-part"
        #expect(size(part) > 0 && size(part) < 24 << 20, "part: \(size(part)) bytes")

        let result = server.batch("reput backup.tar \(remote)/backup.tar\n", in: local)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("restarting at file position"), "\(result.stdout)")
        #expect(checksum(remote + "/backup.tar") == checksum(local + "/backup.tar"))
        #expect(names(remote) == ["backup.tar"], "\(names(remote))")
    }

    @Test func putReplacesAFileWithItsModeAndTimesAndLeavesNoHelpers() throws {
        let remote = TestSSHServer.scratch("replace-remote")
        let local = TestSSHServer.scratch("replace-local")
        writeRandomFile(remote + "/data", bytes: 5000)
        writeRandomFile(local + "/data", bytes: 7000)
        Shell.sh("chmod 640 '\(local)/data' && touch -d '2020-02-03 04:05:06 UTC' '\(local)/data'")
        let result = server.batch("put -p data \(remote)/data\nput data \(remote)/copy\n", in: local)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(checksum(remote + "/data") == checksum(local + "/data"))
        #expect(checksum(remote + "/copy") == checksum(local + "/data"))
        let attributes = try FileManager.default.attributesOfItem(atPath: remote + "/data")
        #expect((attributes[.posixPermissions] as? Int) == 0o640)
        #expect((attributes[.modificationDate] as? Date)?.timeIntervalSince1970 == 1_580_702_706)
        #expect(names(remote) == ["copy", "data"], "\(names(remote))")
    }

    @Test func inPlaceUploadsWriteTheTargetItself() throws {
        let remote = TestSSHServer.scratch("inplace-remote")
        let local = TestSSHServer.scratch("inplace-local")
        writeRandomFile(remote + "/big", bytes: 1 << 20)
        writeRandomFile(local + "/big", bytes: 24 << 20)
        let killed = try killedHalfWay(
            "put big \(remote)/big\n", in: local, when: .file(remote + "/big", atLeast: 4 << 20), extra: ["--inplace"])
        #expect(killed.stdout.hasPrefix("STATUS=-9"), "\(killed.stdout)")
        #expect(names(remote) == ["big"], "\(names(remote))")
        #expect(size(remote + "/big") < 24 << 20)
        let result = server.batch("reput big \(remote)/big\n", in: local, extra: ["--inplace"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(checksum(remote + "/big") == checksum(local + "/big"))
    }

    @Test func reputOverAPartOfAnotherFileStartsOver() throws {
        let remote = TestSSHServer.scratch("reput-other-remote")
        let local = TestSSHServer.scratch("reput-other-local")
        writeRandomFile(local + "/file", bytes: 3 << 20)
        writeRandomFile(remote + "/.file.ferry-part", bytes: 1 << 20)
        let result = server.batch("reput file \(remote)/file\n", in: local)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stderr.contains("differs from the local file; started over"), "\(result.stderr)")
        #expect(!result.stdout.contains("restarting"), "\(result.stdout)")
        #expect(checksum(remote + "/file") == checksum(local + "/file"))
        #expect(names(remote) == ["file"], "\(names(remote))")
    }

    @Test func regetChecksTheTailOfWhatIsAlreadyHere() throws {
        let remote = TestSSHServer.scratch("reget-remote")
        let local = TestSSHServer.scratch("reget-local")
        writeRandomFile(remote + "/file", bytes: 3 << 20)
        // One local copy is a true start of the remote file, the other has its last bytes changed.
        Shell.sh("head -c 1048576 '\(remote)/file' > '\(local)/good'")
        Shell.sh("head -c 1048476 '\(remote)/file' > '\(local)/bad' && printf '%0100d' 0 >> '\(local)/bad'")
        let result = server.batch("reget \(remote)/file good\nreget \(remote)/file bad\n", in: local)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("restarting at file position 1048576"), "\(result.stdout)")
        #expect(result.stderr.contains("differs from the remote file; started over"), "\(result.stderr)")
        #expect(checksum(local + "/good") == checksum(remote + "/file"))
        #expect(checksum(local + "/bad") == checksum(remote + "/file"))
        #expect(!names(local).contains { $0.contains(".ferry-") }, "\(names(local))")
    }

    /// Mounts a 1 MiB tmpfs on `folder` for the length of `body`: a disk that fills up. (The local
    /// side's full disk is in ``SafetyTests``.)
    func withFullDisk(at folder: String, _ body: () throws -> Void) throws {
        let mounted = Shell.sh("mount -t tmpfs -o size=1m tmpfs '\(folder)'")
        try #require(mounted.status == 0, "cannot mount a tmpfs: \(mounted.stderr)")
        defer { Shell.sh("umount '\(folder)'") }
        try body()
    }

    @Test(.enabled(if: getuid() == 0, "mounting needs root"))
    func aFullRemoteDiskIsSaidPlainlyAndKeepsTheOldFile() throws {
        let remote = TestSSHServer.scratch("full-remote")
        let local = TestSSHServer.scratch("full-remote-local")
        try withFullDisk(at: remote) {
            writeRandomFile(remote + "/data", bytes: 100_000)
            let old = checksum(remote + "/data")
            writeRandomFile(local + "/data", bytes: 3 << 20)
            let result = server.batch("put data \(remote)/data\n", in: local)
            #expect(result.status != 0)
            #expect(result.stderr.contains("put: \(remote)/data: no space left on the remote disk"), "\(result.stderr)")
            #expect(result.stderr.components(separatedBy: "no space").count == 2, "one line: \(result.stderr)")
            #expect(checksum(remote + "/data") == old)
            #expect(names(remote) == ["data"], "\(names(remote))")
        }
    }
}

/// Connections that drop or stall in the middle of a command, and the reconnects that carry it on.
@Suite("Reconnecting", .tags(.integration), .serialized)
struct ReconnectTests {
    let server = TestSSHServer.shared

    /// A relay in front of the server that cuts (or stalls) only its first connection after `limit`
    /// bytes from the server, and the options that reach the server through it.
    func flakyRelay(after limit: Int, stall: Bool = false, local: String) throws -> (ProxyServer, [String]) {
        let relay = try Relay(to: server, after: limit, (stall ? ["stall"] : []) + ["once"], knownHostsIn: local)
        return (relay.process, relay.options)
    }

    /// Whether the relay cut one connection and then took another: the reconnect.
    func reconnected(_ relay: ProxyServer) -> Bool {
        let log = relay.file("proxy.log")
        guard let cut = log.range(of: "cut 1") else { return false }
        return !log.contains("cut 2") && log[cut.upperBound...].contains("accepted")
    }

    @Test func aCutGetReconnectsAndFinishesFromWhereItWas() throws {
        let remote = TestSSHServer.scratch("reconnect-get-remote")
        let local = TestSSHServer.scratch("reconnect-get-local")
        writeRandomFile(remote + "/big", bytes: 8 << 20)
        let (relay, options) = try flakyRelay(after: 3 << 20, local: local)
        try "cd \(remote)\nget big\n".write(toFile: local + "/s.scr", atomically: true, encoding: .utf8)
        let result = FerryBinary.run(["-batch", "-b", "s.scr"] + options, directory: local)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stderr.contains("reconnecting in 1 s (retry 1 of 3)"), "\(result.stderr)")
        #expect(result.stdout.contains("get: restarting at file position"), "\(result.stdout)")
        #expect(checksum(local + "/big") == checksum(remote + "/big"))
        #expect(reconnected(relay), "\(relay.file("proxy.log"))")
        let hidden = try FileManager.default.contentsOfDirectory(atPath: local).filter { $0.hasPrefix(".") }
        #expect(hidden.isEmpty, "\(hidden)")
    }

    @Test(arguments: [true, false])
    func aStalledOrCutPutReconnectsAndFinishes(stall: Bool) throws {
        let remote = TestSSHServer.scratch("reconnect-put-remote")
        let local = TestSSHServer.scratch("reconnect-put-local")
        writeRandomFile(local + "/big", bytes: 8 << 20)
        // The server's answers stop after 16 kB: the login and some of the upload's acknowledgements.
        let (relay, options) = try flakyRelay(after: 16 << 10, stall: stall, local: local)
        try "put big \(remote)/big\n".write(toFile: local + "/s.scr", atomically: true, encoding: .utf8)
        let result = FerryBinary.run(["-batch", "-b", "s.scr", "--timeout", "2"] + options, directory: local)
        #expect(result.status == 0, "\(result.stderr)")
        let reason = stall ? "the server sent nothing for 2 s (--timeout)" : "connection lost"
        #expect(result.stderr.contains("\(reason); reconnecting in 1 s"), "\(result.stderr)")
        #expect(result.stdout.contains("put: restarting at file position"), "\(result.stdout)")
        #expect(checksum(remote + "/big") == checksum(local + "/big"))
        #expect(reconnected(relay), "\(relay.file("proxy.log"))")
        let left = try FileManager.default.contentsOfDirectory(atPath: remote)
        #expect(left == ["big"], "\(left)")
    }

    @Test func withoutRetriesACutFailsAndARunIsNeverRunTwice() throws {
        let remote = TestSSHServer.scratch("reconnect-off-remote")
        let local = TestSSHServer.scratch("reconnect-off-local")
        writeRandomFile(remote + "/big", bytes: 8 << 20)
        let (relay, options) = try flakyRelay(after: 3 << 20, local: local)
        try "get \(remote)/big big\n".write(toFile: local + "/s.scr", atomically: true, encoding: .utf8)
        let result = FerryBinary.run(["-batch", "-b", "s.scr", "--retries", "0"] + options, directory: local)
        #expect(result.status == 6, "\(result.stderr)")
        #expect(result.stderr.contains("get: \(remote)/big: read: connection lost"), "\(result.stderr)")
        #expect(!result.stderr.contains("reconnecting"), "\(result.stderr)")
        #expect(!FileManager.default.fileExists(atPath: local + "/big"))
        #expect(relay.file("proxy.log").contains("cut 1"), "\(relay.file("proxy.log"))")

        // A remote command whose connection drops once it has started is reported, not run again.
        let (runRelay, runOptions) = try flakyRelay(after: 100_000, local: local)
        try "run echo started >> \(remote)/runs; head -c 400000 /dev/zero; sleep 5\n".write(
            toFile: local + "/r.scr", atomically: true, encoding: .utf8)
        let ran = FerryBinary.run(["-batch", "-b", "r.scr"] + runOptions, directory: local)
        #expect(ran.status == 6, "\(ran.stdout)\(ran.stderr)")
        #expect(!ran.stderr.contains("reconnecting"), "\(ran.stderr)")
        #expect(runRelay.file("proxy.log").contains("cut 1"), "\(runRelay.file("proxy.log"))")
        #expect((try? String(contentsOfFile: remote + "/runs", encoding: .utf8)) == "started\n")
    }

    /// When the retries run out, what arrived stays under the hidden part name, on purpose, and the
    /// failure says which command continues it.
    @Test func aDownloadWhoseRetriesRunOutKeepsItsPartForGetDashA() throws {
        let remote = TestSSHServer.scratch("retries-out-remote")
        let local = TestSSHServer.scratch("retries-out-local")
        writeRandomFile(remote + "/big", bytes: 12 << 20)
        // Every connection is cut after 3 MB from the server.
        let relay = try Relay(to: server, after: 3 << 20, knownHostsIn: local)
        let options = relay.options
        try "get \(remote)/big big\n".write(toFile: local + "/s.scr", atomically: true, encoding: .utf8)
        let failed = FerryBinary.run(["-batch", "-b", "s.scr", "--retries", "1"] + options, directory: local)
        #expect(failed.status == 6, "\(failed.stderr)")
        #expect(
            failed.stderr.contains(
                "what arrived is kept as .NAME.ferry-part beside each unfinished file, and the same command with -a"
                    + " (or reget) continues it"), "\(failed.stderr)")
        #expect(!FileManager.default.fileExists(atPath: local + "/big"))
        let part = local + "/.big.ferry-part"
        let kept = (try? FileManager.default.attributesOfItem(atPath: part)[.size] as? Int) ?? 0
        #expect(kept > 0, "no part kept")
        let resumed = server.batch("get -a \(remote)/big big\n", in: local)
        #expect(resumed.status == 0, "\(resumed.stderr)")
        #expect(resumed.stdout.contains("get: restarting at file position"), "\(resumed.stdout)")
        #expect(checksum(local + "/big") == checksum(remote + "/big"))
        #expect(!FileManager.default.fileExists(atPath: part))
    }

    @Test func aReconnectToAHostWithAnotherKeyIsRefused() throws {
        let remote = TestSSHServer.scratch("reconnect-key-remote")
        let local = TestSSHServer.scratch("reconnect-key-local")
        writeRandomFile(remote + "/big", bytes: 8 << 20)
        // After the cut, the relay sends new connections to another server, with its own host key.
        let impostor = HostileServer([:])
        let relay = ProxyServer.fixture(
            "cutting_forwarder",
            arguments: ["127.0.0.1", String(server.port), String(3 << 20), "once", "then:\(impostor.port)"])
        try server.writeKnownHosts(forPort: relay.port, to: local + "/known_hosts")
        try "get \(remote)/big big\n".write(toFile: local + "/s.scr", atomically: true, encoding: .utf8)
        let result = FerryBinary.run(
            [
                "-batch", "-b", "s.scr", "-P", String(relay.port), "-i", server.ed25519Key, "--known-hosts",
                "known_hosts", "root@127.0.0.1",
            ], directory: local)
        #expect(result.status != 0)
        #expect(result.stderr.contains("reconnecting in 1 s"), "\(result.stderr)")
        #expect(result.stderr.contains("host key"), "\(result.stderr)")
        #expect(!FileManager.default.fileExists(atPath: local + "/big"))
        #expect(reconnected(relay), "\(relay.file("proxy.log"))")
    }

    @Test func aCutMgetMovesOnlyTheFilesItHadNotFinished() throws {
        let remote = TestSSHServer.scratch("reconnect-mget-remote")
        let local = TestSSHServer.scratch("reconnect-mget-local")
        for i in 0..<10 { writeRandomFile(remote + "/f\(i).dat", bytes: 1 << 20) }
        // One connection, cut once about half-way through the files.
        let (relay, options) = try flakyRelay(after: 5 << 20 + 300_000, local: local)
        try "cd \(remote)\nmget *.dat\n".write(toFile: local + "/s.scr", atomically: true, encoding: .utf8)
        let result = FerryBinary.run(["-batch", "-b", "s.scr", "--connections", "1"] + options, directory: local)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stderr.contains("reconnecting in 1 s (retry 1 of 3)"), "\(result.stderr)")
        #expect(reconnected(relay), "\(relay.file("proxy.log"))")
        for i in 0..<10 {
            #expect(checksum(local + "/f\(i).dat") == checksum(remote + "/f\(i).dat"), "f\(i).dat")
        }
        // Each file is reported once; only the one cut part-way is continued, none is moved twice.
        for i in 0..<10 {
            #expect(result.stdout.components(separatedBy: "f\(i).dat => local").count == 2, "\(result.stdout)")
        }
        #expect(result.stdout.components(separatedBy: "restarting at file position").count <= 2, "\(result.stdout)")
        let hidden = try FileManager.default.contentsOfDirectory(atPath: local).filter { $0.hasPrefix(".") }
        #expect(hidden.isEmpty, "\(hidden)")
    }
}
