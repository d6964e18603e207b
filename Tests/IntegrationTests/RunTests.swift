import Foundation
import Testing

@Suite("run: remote commands and their diagnostics", .tags(.integration))
struct RunTests {
    let server = TestSSHServer.shared

    /// Runs a script with `--diagnostics` in a scratch folder; returns the result and the host's folder.
    func run(_ script: String, extra: [String] = ["-be"]) -> (RunResult, String) {
        let folder = TestSSHServer.scratch("diag")
        let result = server.batch(script, in: folder, extra: extra + ["--diagnostics", folder + "/diagnostics"])
        let runs = (try? FileManager.default.contentsOfDirectory(atPath: folder + "/diagnostics")) ?? []
        return (result, folder + "/diagnostics/" + (runs.first ?? "none") + "/127.0.0.1")
    }

    func json(_ path: String) -> [String: Any] {
        guard let data = FileManager.default.contents(atPath: path),
            let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any]
        else { return [:] }
        return object
    }

    @Test func keepsStdoutStderrStatusAndTiming() throws {
        let (result, folder) = run("run -o both sh -c 'echo to-out; echo to-err >&2; exit 0'\nrun uname -s\n")
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("to-out\n"))
        #expect(result.stderr.contains("to-err\n"))
        #expect(try String(contentsOfFile: folder + "/both.stdout", encoding: .utf8) == "to-out\n")
        #expect(try String(contentsOfFile: folder + "/both.stderr", encoding: .utf8) == "to-err\n")
        let record = json(folder + "/both.json")
        #expect(record["exit_status"] as? Int == 0)
        #expect(record["command"] as? String == "sh -c 'echo to-out; echo to-err >&2; exit 0'")
        #expect(record["started"] is String && record["duration_seconds"] is Double)
        #expect(try String(contentsOfFile: folder + "/02-uname.stdout", encoding: .utf8) == "Linux\n")
    }

    @Test func failuresCountUnlessTheLineStartsWithADash() {
        let (result, folder) = run("-run false\nrun sh -c 'exit 4'\nrun sh -c 'kill -KILL $$'\n")
        #expect(result.status == 8)
        #expect(result.stderr.contains("run: 'sh -c 'exit 4'' exited with status 4"))
        #expect(result.stderr.contains("was killed by signal KILL"))
        #expect(json(folder + "/01-false.json")["exit_status"] as? Int == 1)
        #expect(json(folder + "/03-sh.json")["signal"] as? String == "KILL")
        let (ignored, _) = run("-run false\n")
        #expect(ignored.status == 0)
    }

    @Test func timeoutEndsAHangingCommandAndTheSessionGoesOn() {
        let started = Date()
        let (result, folder) = run("run --timeout 1 sleep 30\nrun echo after\n")
        #expect(Date().timeIntervalSince(started) < 20)
        #expect(result.status == 8)
        #expect(result.stderr.contains("run: 'sleep 30' did not finish within 1 s"))
        #expect(json(folder + "/01-sleep.json")["timed_out_after_seconds"] as? Int == 1)
        #expect(result.stdout.contains("after\n"))
    }

    /// --timeout bounds the server's silence, not the command's: a quiet command longer than it runs
    /// to its end, since the server answers the keepalives sent meanwhile.
    @Test func aQuietCommandOutlastsTheNetworkTimeout() {
        let (result, _) = run("run sh -c 'sleep 7; echo done'\n", extra: ["--timeout", "3"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("done\n"))
    }

    @Test func escapeSequencesAreMadeHarmlessOnScreenButKeptOnDisk() throws {
        let (result, folder) = run("run printf '\\033[2J\\033[31mred\\007\\n'\n")
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("^[[2J^[[31mred^G\n"))
        #expect(!result.stdout.contains("\u{1B}"))
        #expect(
            FileManager.default.contents(atPath: folder + "/01-printf.stdout")
                == Data("\u{1B}[2J\u{1B}[31mred\u{07}\n".utf8))
    }

    @Test func binaryOutputIsSavedExactly() {
        let source = TestSSHServer.scratch("binary") + "/blob"
        writeRandomFile(source, bytes: 3_000_000)
        let (result, folder) = run("run -o blob cat \(source)\n")
        #expect(result.status == 0, "\(result.stderr)")
        #expect(checksum(folder + "/blob.stdout") == checksum(source))
    }

    @Test func hugeOutputStreamsToDiskWithoutBeingHeldInMemory() throws {
        let folder = TestSSHServer.scratch("huge")
        let script = folder + "/huge.scr"
        try "run -o huge head -c 200000000 /dev/zero\n".write(toFile: script, atomically: true, encoding: .utf8)
        let options = server.options().map { "'\($0)'" }.joined(separator: " ")
        let result = Shell.sh(
            "cd \(folder) && /usr/bin/time -f 'maxrss=%M' '\(FerryBinary.path)' -b \(script)"
                + " --diagnostics \(folder)/d \(options) > /dev/null")
        #expect(result.status == 0, "\(result.stderr)")
        let runs = try FileManager.default.contentsOfDirectory(atPath: folder + "/d")
        let saved = folder + "/d/\(runs[0])/127.0.0.1/huge.stdout"
        #expect(try FileManager.default.attributesOfItem(atPath: saved)[.size] as? Int == 200_000_000)
        let rss = result.stderr.components(separatedBy: "maxrss=").last.flatMap {
            Int($0.trimmingCharacters(in: .whitespacesAndNewlines))
        }
        #expect((rss ?? Int.max) < 100_000, "peak resident memory \(rss ?? -1) KiB")
    }
}

@Suite("collect", .tags(.integration))
struct CollectTests {
    let server = TestSSHServer.shared

    @Test func fetchesFilesUnderTheirRemotePaths() throws {
        let remote = TestSSHServer.scratch("collect-remote")
        Shell.sh(
            "mkdir -p \(remote)/etc/app && echo conf > \(remote)/etc/app/app.conf && echo one > \(remote)/a.log"
                + " && echo two > \(remote)/b.log")
        let folder = TestSSHServer.scratch("collect")
        let result = server.batch(
            "collect \(remote)/*.log\ncollect -r \(remote)/etc\ncollect \(remote)/none*\n",
            in: folder, extra: ["-be", "--diagnostics", folder + "/d"])
        #expect(result.status == 7)
        #expect(result.stderr.contains("collect: \(remote)/none*: nothing matched"))
        let runs = try FileManager.default.contentsOfDirectory(atPath: folder + "/d")
        let files = folder + "/d/\(runs[0])/127.0.0.1/files"
        #expect(try String(contentsOfFile: files + remote + "/a.log", encoding: .utf8) == "one\n")
        #expect(try String(contentsOfFile: files + remote + "/b.log", encoding: .utf8) == "two\n")
        #expect(try String(contentsOfFile: files + remote + "/etc/app/app.conf", encoding: .utf8) == "conf\n")
    }
}

@Suite("Run reports", .tags(.integration))
struct ReportTests {
    let server = TestSSHServer.shared

    @Test func reportListsEveryCommandWithStatusExitDurationAndBytes() throws {
        let remote = TestSSHServer.scratch("report-remote")
        writeRandomFile(remote + "/data.bin", bytes: 123_456)
        let folder = TestSSHServer.scratch("report")
        let result = server.batch(
            """
            lcd \(folder)
            get \(remote)/data.bin
            run echo hello
            -run false
            run --timeout 1 sleep 10
            run sh -c 'exit 5'
            """, in: folder, extra: ["-be", "--diagnostics", folder + "/d"])
        #expect(result.status == 8)
        let runs = try FileManager.default.contentsOfDirectory(atPath: folder + "/d")
        let runFolder = folder + "/d/" + runs[0]
        #expect(result.stdout.contains("Report: \(runFolder)/report.md"))
        let data = try #require(FileManager.default.contents(atPath: runFolder + "/report.json"))
        let report = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        #expect(report["schema"] as? String == "ferry-report/1")
        #expect(report["exit_status"] as? Int == 8)
        let hosts = try #require(report["hosts"] as? [[String: Any]])
        #expect(hosts.map { $0["host"] as? String } == ["127.0.0.1"])
        #expect(hosts[0]["status"] as? String == "failed")
        let commands = try #require(hosts[0]["commands"] as? [[String: Any]])
        #expect(commands.map { $0["status"] as? String } == ["ok", "ok", "ok", "failed-ignored", "failed", "failed"])
        #expect(commands[1]["bytes"] as? Int == 123_456)
        #expect(commands[2]["exit_status"] as? Int == 0 && commands[2]["bytes"] as? Int == 6)
        #expect(commands[3]["exit_status"] as? Int == 1)
        #expect(commands[4]["timed_out_after_seconds"] as? Int == 1)
        #expect(commands[5]["exit_status"] as? Int == 5)
        #expect((commands[4]["duration_seconds"] as? Double ?? 0) >= 1)
        let markdown = try String(contentsOfFile: runFolder + "/report.md", encoding: .utf8)
        #expect(markdown.contains("## 127.0.0.1: failed"))
        #expect(markdown.contains("| 3 | run echo hello | ok | 0 |"))
    }
}
