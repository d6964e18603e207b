import Foundation
import Testing

/// `--check`: every host connected to as a real run would, the script walked without changing
/// anything, the first thing that would fail named with its line.
@Suite("Pre-flight check", .tags(.integration), .serialized)
struct CheckTests {
    let server = TestSSHServer.shared

    /// A remote folder with a file to get and a folder to put into, a local folder with a file to
    /// put, and the script that uses them.
    func setUp(_ name: String) throws -> (remote: String, local: String) {
        let remote = TestSSHServer.scratch("check-\(name)-remote")
        let local = TestSSHServer.scratch("check-\(name)-local")
        writeRandomFile(remote + "/data", bytes: 50_000)
        Shell.sh("mkdir '\(remote)/in' && chmod 755 '\(remote)' '\(remote)/in'")
        writeRandomFile(local + "/upload", bytes: 20_000)
        try """
        cd \(remote)
        get data data
        put upload in/upload
        mkdir new
        run touch \(remote)/ran
        """.write(toFile: local + "/s.scr", atomically: true, encoding: .utf8)
        return (remote, local)
    }

    @Test func aScriptThatWouldSucceedChangesNothingAndSaysSo() throws {
        let (remote, local) = try setUp("ok")
        let before = (treeListing(remote), treeListing(local))
        let result = server.batch(
            try String(contentsOfFile: local + "/s.scr", encoding: .utf8), in: local, extra: ["--check"])
        #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
        #expect(result.stdout.contains("check: would run: touch \(remote)/ran"), "\(result.stdout)")
        #expect(result.stdout.contains("ok, every command would run"), "\(result.stdout)")
        let after = (treeListing(remote), treeListing(local))
        #expect(before.0 == after.0, "remote changed")
        // Only the script file that server.batch writes is new here.
        #expect(after.1.filter { !$0.contains("script-") } == before.1, "local changed: \(after.1)")
    }

    @Test func eachWayAScriptWouldFailIsNamedWithItsLine() throws {
        let (remote, local) = try setUp("fail")
        let before = treeListing(remote)
        // A missing remote file.
        let missing = server.batch("get \(remote)/absent here\n", in: local, extra: ["--check"])
        #expect(missing.status != 0)
        #expect(missing.stderr.contains("would fail at"), "\(missing.stderr)")
        #expect(missing.stderr.contains("absent: no such file"), "\(missing.stderr)")
        // A folder this login cannot write: the password user puts into root's folder.
        let folder = FerryBinary.run(
            [
                "-batch", "--check", "-b", "/dev/stdin", "-l", TestSSHServer.passwordUser, "-pw",
                TestSSHServer.password,
                "-P", String(server.port), "--known-hosts", server.knownHosts, "127.0.0.1",
            ], directory: local, input: "put upload \(remote)/in/upload\n")
        #expect(folder.status != 0, "\(folder.stdout)\(folder.stderr)")
        #expect(folder.stderr.contains("\(remote)/in: cannot write there"), "\(folder.stderr)")
        // A wrong password, an unknown host key and a closed port fail at connecting.
        let password = FerryBinary.run(
            [
                "-batch", "--check", "-b", "/dev/stdin", "-l", TestSSHServer.passwordUser, "-pw", "wrong",
                "-P", String(server.port), "--known-hosts", server.knownHosts, "127.0.0.1",
            ], directory: local, input: "pwd\n")
        #expect(password.status != 0)
        let closed = TestSSHServer.freePort()
        // Another port for the same server, which known_hosts does not name.
        let unknown = ProxyServer.fixture(
            "cutting_forwarder", arguments: ["127.0.0.1", String(server.port), String(1 << 40)])
        try "lcd {host}\ncd \(remote)\nget data data\nput \(local)/upload in/upload\n".write(
            toFile: local + "/fleet.scr", atomically: true, encoding: .utf8)
        let fleet = FerryBinary.run(
            [
                "-b", "fleet.scr", "--check", "--retries", "0", "-i", server.ed25519Key, "--known-hosts",
                server.knownHosts,
                "root@127.0.0.1:\(server.port)", "root@127.0.0.1:\(closed)", "root@127.0.0.1:\(unknown.port)",
            ], directory: local)
        #expect(fleet.status == 9, "\(fleet.stdout)\(fleet.stderr)")
        #expect(fleet.stdout.contains("refused"), "\(fleet.stdout)")
        #expect(fleet.stdout.contains("is not known"), "\(fleet.stdout)")
        #expect(fleet.stdout.contains("3 hosts: 1 ok, 2 failed"), "\(fleet.stdout)")
        #expect(treeListing(remote) == before, "remote changed")
        #expect(!FileManager.default.fileExists(atPath: local + "/diagnostics"), "a check writes no report")
    }
}
