import Foundation
import Testing

/// Memory, time and descriptors bounded by the input, not by whoever wrote it: every file Ferry reads
/// has a size cap with a clear error, and what it builds from one stays a small multiple of its size.
/// Peak memory is measured with `/usr/bin/time`.
@Suite("Resource limits", .tags(.integration))
struct ResourceLimitTests {
    /// Runs ferry under `/usr/bin/time` in `folder`; returns the result and the peak resident size in KiB.
    func measured(
        _ arguments: [String], in folder: String, limitDescriptors: Int? = nil, environment: [String: String] = [:]
    ) -> (RunResult, Int) {
        let command =
            (limitDescriptors.map { "ulimit -n \($0); " } ?? "")
            + "exec /usr/bin/time -f 'peak=%M' -o time.out "
            + ([FerryBinary.path] + arguments).map { "'\($0)'" }.joined(separator: " ")
        var env = ["HOME": folder, "PATH": "/usr/bin:/bin", "LANG": "C.UTF-8"]
        for (key, value) in environment { env[key] = value }
        let result = Shell.run("/bin/bash", ["-c", command], environment: env, directory: folder)
        let text = (try? String(contentsOfFile: folder + "/time.out", encoding: .utf8)) ?? ""
        let peak = Int(text.split(separator: "peak=").last?.prefix { $0.isNumber } ?? "") ?? .max
        return (result, peak)
    }

    @Test func aScriptPastEightMiBIsRefusedBeforeAnythingRuns() throws {
        let folder = TestSSHServer.scratch("limits-script")
        try Data(repeating: UInt8(ascii: "\n"), count: 8 << 20 + 1).write(
            to: URL(fileURLWithPath: folder + "/big.scr"))
        let (file, peak) = measured(["-batch", "-b", "big.scr"], in: folder)
        #expect(file.status == 2)
        #expect(file.stderr == "ferry: batch file big.scr: larger than 8 MiB, the most Ferry reads of such a file\n")
        #expect(peak < 100_000, "peak \(peak) KiB")
        let piped = Shell.run(
            "/bin/bash", ["-c", "'\(FerryBinary.path)' -batch -b - < big.scr"], environment: ["HOME": folder],
            directory: folder)
        #expect(piped.status == 2)
        #expect(piped.stderr.contains("ferry: batch file -: larger than 8 MiB"))
    }

    /// The worst shape for memory is many short lines; a script of them costs a small multiple of its
    /// size (measured over Ferry's own footprint with an empty script).
    @Test func aScriptOfShortLinesCostsASmallMultipleOfItsSize() throws {
        let folder = TestSSHServer.scratch("limits-lines")
        let size = 1 << 20
        try String(repeating: "pwd\n", count: size / 4).write(
            toFile: folder + "/lines.scr", atomically: true, encoding: .utf8)
        try "".write(toFile: folder + "/empty.scr", atomically: true, encoding: .utf8)
        let (_, base) = measured(["-batch", "-b", "empty.scr"], in: folder)
        let (result, peak) = measured(["-batch", "-b", "lines.scr"], in: folder)
        // Parsed whole, then the first pwd finds no connection.
        #expect(result.status == 6, "\(result.stderr)")
        #expect(result.stderr.contains("lines.scr:1: command failed"))
        #expect((peak - base) * 1024 < 12 * size, "peak \(peak) KiB over \(base) KiB")
    }

    @Test func aLineOfTooManyWordsIsAScriptError() throws {
        let folder = TestSSHServer.scratch("limits-words")
        try ("pwd\nmv" + String(repeating: " a", count: 70_000) + " b\n").write(
            toFile: folder + "/words.scr", atomically: true, encoding: .utf8)
        let (result, peak) = measured(["-batch", "-b", "words.scr"], in: folder)
        #expect(result.status == 2)
        #expect(
            result.stderr.contains("words.scr:2:131074: error: more than 65536 words on one line"), "\(result.stderr)")
        #expect(peak < 100_000, "peak \(peak) KiB")
    }

    @Test func savedSessionsAreCappedInSizeAndInWhatTheyExpandTo() throws {
        let folder = TestSSHServer.scratch("limits-profile", folders: ["s"])
        try ("host: db1\n# " + String(repeating: "x", count: 1 << 20) + "\n").write(
            toFile: folder + "/s/big.yaml", atomically: true, encoding: .utf8)
        let (big, _) = measured(["-batch", "--sessions", "s", "-load", "big", "-b", "/dev/null"], in: folder)
        #expect(big.status == 2)
        #expect(big.stderr.contains("big.yaml:1:1: error: cannot read it: larger than 1 MiB"), "\(big.stderr)")

        // A 500 KiB value named once and repeated 2,000 times through its alias.
        let value = String(repeating: "k", count: 500 * 1024)
        try
            ("host: db1\nkey: &k \(value)\nidentity: [" + Array(repeating: "*k", count: 2000).joined(separator: ", ")
            + "]\n").replacingOccurrences(of: "key: &k", with: "remote-directory: &k").write(
                toFile: folder + "/s/bomb.yaml", atomically: true, encoding: .utf8)
        let (bomb, peak) = measured(["-batch", "--sessions", "s", "-load", "bomb", "-b", "/dev/null"], in: folder)
        #expect(bomb.status == 2)
        #expect(
            bomb.stderr.contains("identity: the session's values come to more than 1 MiB (an alias repeated?)"),
            "\(bomb.stderr)")
        #expect(peak < 150_000, "peak \(peak) KiB")

        try FileManager.default.createDirectory(atPath: folder + "/.putty/sessions", withIntermediateDirectories: true)
        try ("HostName=db1\nComment=" + String(repeating: "y", count: 1 << 20) + "\n").write(
            toFile: folder + "/.putty/sessions/huge", atomically: true, encoding: .utf8)
        let (putty, _) = measured(["-batch", "-load", "huge", "-b", "/dev/null"], in: folder)
        #expect(putty.status == 2)
        #expect(putty.stderr.contains("huge:1:1: error: cannot read it: larger than 1 MiB"), "\(putty.stderr)")
    }

    /// Descriptors grow with --parallel, not with the hosts listed: 2,000 hosts under a limit of 256
    /// all end with their real reason. Under a limit too low for --parallel, the hosts that cannot
    /// get a descriptor say so, and the report is still written.
    @Test func twoThousandHostsUnderADescriptorLimit() throws {
        let folder = TestSSHServer.scratch("limits-fds")
        let closed = TestSSHServer.freePort()
        let hosts = (0..<2000).map { "127.0.\($0 / 250).\($0 % 250 + 1):\(closed)\n" }.joined()
        try hosts.write(toFile: folder + "/hosts.txt", atomically: true, encoding: .utf8)
        try "pwd\n".write(toFile: folder + "/s.scr", atomically: true, encoding: .utf8)
        let arguments = ["-batch", "-b", "s.scr", "--hosts", "hosts.txt", "--diagnostics", folder + "/d"]
        let (wide, _) = measured(arguments, in: folder, limitDescriptors: 256)
        #expect(wide.status == 9)
        #expect(wide.stdout.contains("2000 hosts: 2000 failed"))
        #expect(!wide.stdout.contains("no usable address") && !wide.stdout.contains("file descriptor"))
        #expect(wide.stdout.components(separatedBy: "port \(closed) refused").count - 1 >= 2000)
        let report = try ferryReport(of: wide)
        let entries = report.json["hosts"] as? [[String: Any]] ?? []
        #expect(entries.count == 2000)
        #expect(
            entries.allSatisfy { $0["reason"] as? String == "connection-refused" && $0["exit_status"] as? Int == 6 })

        // Hosts that hang before the banner hold their sockets until the time limit, so 64 at once
        // cannot all have one under a limit of 32.
        let silent = ProxyServer.fixture("silent_server")
        let hanging = (0..<100).map { "u\($0)@127.0.0.1:\(silent.port)\n" }.joined()
        try hanging.write(toFile: folder + "/hanging.txt", atomically: true, encoding: .utf8)
        let narrowArguments = [
            "-batch", "-b", "s.scr", "--hosts", "hanging.txt", "--diagnostics", folder + "/n", "--parallel", "64",
            "--host-timeout", "2",
        ]
        let (narrow, _) = measured(narrowArguments, in: folder, limitDescriptors: 32)
        #expect(narrow.status == 9)
        #expect(
            narrow.stdout.contains(
                "no file descriptor left (too many open files; raise 'ulimit -n' or lower --parallel)"),
            "\(narrow.stdout.suffix(2000))")
        #expect((try ferryReport(of: narrow).json["hosts"] as? [Any])?.count == 100)
    }

    @Test func aReportThatCannotBeWrittenIsAnErrorNamingThePath() throws {
        let folder = TestSSHServer.scratch("limits-report")
        // A file stands where the diagnostics folder should be.
        try "".write(toFile: folder + "/d", atomically: true, encoding: .utf8)
        try "lpwd\n".write(toFile: folder + "/s.scr", atomically: true, encoding: .utf8)
        try "127.0.0.1:\(TestSSHServer.freePort())\n127.0.0.2:\(TestSSHServer.freePort())\n".write(
            toFile: folder + "/hosts.txt", atomically: true, encoding: .utf8)
        let (fleet, _) = measured(["-batch", "-b", "s.scr", "--diagnostics", "d", "--hosts", "hosts.txt"], in: folder)
        #expect(fleet.status == 9)
        #expect(fleet.stderr.contains("ferry: cannot write the report: cannot create \(folder)/d/"), "\(fleet.stderr)")
        let single = FerryBinary.run(["-batch", "-b", "s.scr", "--diagnostics", "d"], directory: folder)
        #expect(single.status == 7, "\(single.stderr)")
        #expect(single.stderr.contains("ferry: cannot write the report:"), "\(single.stderr)")
    }

    /// The `Report:` line's report.json, parsed.
    func ferryReport(of result: RunResult) throws -> (path: String, json: [String: Any]) {
        try report(of: result)
    }
}
