import Foundation
import Testing

/// report.html in a real browser: Debian's chromium, headless, loads the page of a run over several
/// hosts (one of which fails, and a file with a name that is HTML), and of a large made-up report.
@Suite("report.html in a browser", .tags(.integration), .serialized)
struct ReportPageTests {
    let server = TestSSHServer.shared

    /// A file name that would retitle the page if it ever ran as markup.
    static let hostileName = "<img src=x onerror=document.title='pwned'>"

    /// Runs headless chromium on `page` with `arguments` (`--dump-dom`, `--screenshot=…`); returns what
    /// it printed and the seconds it took.
    func chromium(_ arguments: [String], page: String) -> (RunResult, Double) {
        let start = Date()
        let result = Shell.run(
            "/usr/bin/chromium",
            ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--user-data-dir=/tmp/ferry-chromium"]
                + arguments + ["file://" + page], timeout: 60)
        return (result, Date().timeIntervalSince(start))
    }

    /// How many times `needle` occurs in `text`.
    func count(_ needle: String, in text: String) -> Int { text.components(separatedBy: needle).count - 1 }

    @Test func aRunsPageShowsItsHostsSafelyAndReferencesNothingOutside() throws {
        let folder = TestSSHServer.scratch("report-page")
        let remote = TestSSHServer.scratch("report-page-remote")
        // Made directly: the name would need quoting in a shell.
        #expect(FileManager.default.createFile(atPath: remote + "/" + Self.hostileName, contents: Data(count: 4096)))
        writeRandomFile(remote + "/data.bin", bytes: 1 << 20)
        // Two hosts that work (the same server under two names) and one that refuses connections.
        try "root@127.0.0.1:\(server.port)\nroot@localhost:\(server.port)\nroot@127.0.0.1:\(TestSSHServer.freePort())\n"
            .write(toFile: folder + "/hosts", atomically: true, encoding: .utf8)
        try "lcd {host}\nget \"\(remote)/\(Self.hostileName)\" page.bin\nget \(remote)/data.bin\nrun uptime\n"
            .write(toFile: folder + "/s.scr", atomically: true, encoding: .utf8)
        let result = FerryBinary.run(
            [
                "-batch", "-b", "s.scr", "--hosts", "hosts", "-i", server.ed25519Key, "--known-hosts",
                server.knownHosts, "--diagnostics", "diag", "-pw", "Never-In-A-Report-42",
            ], directory: folder)
        #expect(result.status == 9, "\(result.stdout)\(result.stderr)")
        let (reportPath, json) = try report(of: result)
        let page = String(reportPath.dropLast("report.json".count)) + "report.html"
        let html = try String(contentsOfFile: page, encoding: .utf8)
        // No secret reaches the page: not the password given, not the key.
        let key = try String(contentsOfFile: server.ed25519Key, encoding: .utf8)
        let keyLine = try #require(key.split(separator: "\n").dropFirst().first)
        #expect(!html.contains("Never-In-A-Report-42") && !html.contains(keyLine))
        // Nothing outside the page, read by an HTML parser: no element that loads anything, no
        // attribute with a source, no style that imports; links only to host folders beside it.
        let parser = """
            import sys
            from html.parser import HTMLParser
            class Check(HTMLParser):
                def handle_starttag(self, tag, attributes):
                    if tag in ("img", "link", "iframe", "object", "embed", "audio", "video", "source", "base"):
                        print("element", tag)
                    for name, value in attributes:
                        if name in ("src", "srcset", "action", "formaction", "background", "poster") or name.startswith("on"):
                            print("attribute", name)
                        if name == "href" and (":" in value or value.startswith("/") or value.startswith("..")):
                            print("link", value)
                        if name == "style" and "url(" in value:
                            print("style", value)
                def handle_data(self, data):
                    if "@import" in data or "url(" in data:
                        print("import", data[:80])
            Check().feed(open(sys.argv[1]).read())
            """
        let checked = Shell.run("/usr/bin/python3", ["-c", parser, page])
        #expect(checked.status == 0 && checked.stdout.isEmpty, "\(checked.stdout)\(checked.stderr)")
        #expect(count("<a href=\"", in: html) >= 3)
        // Each `run` bar links to the output it kept, beside the page.
        let outputs = html.components(separatedBy: "href=\"").dropFirst()
            .compactMap { $0.split(separator: "\"").first.map(String.init) }.filter { $0.hasSuffix(".stdout") }
        #expect(outputs.count == 2, "\(outputs)")
        let runFolder = String(page.dropLast("report.html".count))
        for output in outputs {
            let path = runFolder + (output.removingPercentEncoding ?? "")
            #expect(FileManager.default.fileExists(atPath: path), "\(path)")
        }

        let (loaded, _) = chromium(["--dump-dom"], page: page)
        #expect(loaded.status == 0, "\(loaded.stderr)")
        let dom = loaded.stdout
        // No script ran from the name: the title is the page's own.
        #expect(dom.contains("<title>Ferry run "), "\(dom.prefix(400))")
        #expect(!dom.contains("pwned</title>"))
        #expect(
            dom.contains("&lt;img src=x onerror=document.title='pwned'&gt;")
                || dom.contains("&lt;img src=x onerror=document.title=&#39;pwned&#39;&gt;"))
        #expect(!dom.contains("<img"))
        // The rows and counts match the report.
        let summary = try #require(json["summary"] as? [String: Int])
        let hosts = try #require(json["hosts"] as? [[String: Any]])
        #expect(count("<div class=\"host\" data-status=", in: dom) == hosts.count)
        for (status, number) in summary where status != "hosts" {
            #expect(count("<div class=\"host\" data-status=\"\(status)\"", in: dom) == number, "\(status)")
            #expect(dom.contains(">\(number) \(status)</span>"), "\(status)")
        }
        // The failed host comes first, in the list of problems and in the timeline.
        let problems = try #require(dom.range(of: "<section id=\"problems\">"))
        let firstRow = try #require(
            dom.range(of: "<tr class=\"problem\" data-status=\"", range: problems.upperBound..<dom.endIndex))
        #expect(dom[firstRow.upperBound...].hasPrefix("failed\""))
        let timeline = try #require(dom.range(of: "<section id=\"timeline\">"))
        let firstHost = try #require(
            dom.range(of: "<div class=\"host\" data-status=\"", range: timeline.upperBound..<dom.endIndex))
        #expect(dom[firstHost.upperBound...].hasPrefix("failed\""))

        // A picture of it, kept with the build (not in the repository).
        let artefacts = URL(fileURLWithPath: FerryBinary.path).deletingLastPathComponent().path + "/test-artefacts"
        try FileManager.default.createDirectory(atPath: artefacts, withIntermediateDirectories: true)
        let (shot, _) = chromium(["--screenshot=\(artefacts)/report.png", "--window-size=1200,900"], page: page)
        #expect(shot.status == 0, "\(shot.stderr)")
        #expect(FileManager.default.fileExists(atPath: artefacts + "/report.png"))

        // ferry report html draws the same page again from the report.json.
        let again = FerryBinary.run(["report", "html", reportPath, "-o", folder + "/again.html"], directory: folder)
        #expect(again.status == 0, "\(again.stderr)")
        #expect(try String(contentsOfFile: folder + "/again.html", encoding: .utf8) == html)
    }

    @Test func aThousandHostPageIsSmallAndLoadsFast() throws {
        let folder = TestSSHServer.scratch("report-page-large")
        // 1,000 hosts with 10 commands each, some failed, all moving bytes, in waves.
        let script = """
            import json, sys
            hosts = []
            for h in range(1000):
                commands = []
                for c in range(10):
                    status = "failed" if h % 97 == 0 and c == 9 else "ok"
                    commands.append({"line": c + 1, "command": "get /var/log/app-%d.log" % c, "status": status,
                        "duration_seconds": 0.5, "bytes": 1048576, "host": "host-%04d" % h,
                        "started": "2026-12-04T10:00:%02d.%03dZ" % (c * 5 + h % 5, h % 1000),
                        "message": "no such file" if status == "failed" else None})
                failed = h % 97 == 0
                hosts.append({"host": "host-%04d" % h, "status": "failed" if failed else "ok", "commands": commands,
                    "duration_seconds": 50, "wave": 1 + h // 250,
                    "failed_command": "line 10: get /var/log/app-9.log" if failed else None,
                    "message": "no such file" if failed else None})
            failed = sum(1 for h in hosts if h["status"] == "failed")
            json.dump({"schema": "ferry-report/1", "run": "large", "script": "pull.scr",
                "started": "2026-12-04T10:00:00Z", "finished": "2026-12-04T10:01:00Z", "exit_status": 9,
                "hosts": hosts, "summary": {"hosts": 1000, "ok": 1000 - failed, "failed": failed}}, open(sys.argv[1], "w"))
            """
        let made = Shell.run("/usr/bin/python3", ["-c", script, folder + "/report.json"])
        #expect(made.status == 0, "\(made.stderr)")
        let drawn = FerryBinary.run(["report", "html", folder + "/report.json"], directory: folder)
        #expect(drawn.status == 0, "\(drawn.stderr)")
        let page = folder + "/report.html"
        let size = (try FileManager.default.attributesOfItem(atPath: page)[.size] as? Int) ?? Int.max
        #expect(size < 2_000_000, "report.html is \(size) bytes")
        // Load time: the page against an empty one, each loaded by a fresh browser.
        try "<!doctype html><title>empty</title>".write(
            toFile: folder + "/empty.html", atomically: true, encoding: .utf8)
        var times: [Double] = []
        var baselines: [Double] = []
        for _ in 0..<3 {
            let (empty, baseline) = chromium(["--dump-dom"], page: folder + "/empty.html")
            #expect(empty.status == 0)
            let (loaded, seconds) = chromium(["--dump-dom"], page: page)
            #expect(loaded.status == 0)
            #expect(count("<div class=\"host\" data-status=", in: loaded.stdout) == 1000)
            times.append(seconds)
            baselines.append(baseline)
        }
        let load = (times.sorted()[1]) - (baselines.sorted()[1])
        #expect(load < 2, "the page took \(load) s more than an empty one")
    }
}
