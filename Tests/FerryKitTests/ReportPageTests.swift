import Foundation
import Testing

@testable import FerryBase
@testable import FerryCore

/// report.html drawn from made-up reports: what it says, in what order, and that no text from a
/// server or a script becomes markup.
@Suite("Report page")
struct ReportPageUnitTests {
    static let hostile = "<script>document.title='x'</script>\"' onmouseover=alert(1) &amp;"

    func record(_ command: String, _ status: CommandStatus, seconds: Double, bytes: UInt64, at offset: Int)
        -> CommandRecord
    {
        var record = CommandRecord(
            line: 1, command: command, host: nil, status: status, exitStatus: nil, signal: nil,
            timedOutAfterSeconds: nil, durationSeconds: seconds, bytes: bytes, message: nil)
        record.started = "2026-12-04T10:00:\(String(format: "%02d", offset)).000Z"
        return record
    }

    func report(_ hosts: [RunReport.Host]) -> RunReport {
        let start = Date(timeIntervalSince1970: 1_796_378_400)
        return RunReport(
            run: "r1", script: "pull.scr", started: start, finished: start.addingTimeInterval(30), exitStatus: 9,
            hosts: hosts)
    }

    @Test func everyTextFromAServerOrAScriptIsEscaped() {
        var bad = RunReport.Host(
            host: Self.hostile, status: .failed,
            commands: [record("get \(Self.hostile)", .failed, seconds: 1, bytes: 10, at: 1)])
        bad.message = Self.hostile
        bad.failedCommand = "line 1: get \(Self.hostile)"
        bad.tags = [Self.hostile]
        var run = report([bad])
        run.script = Self.hostile
        let html = ReportPage(run).html
        #expect(!html.contains("<script>document"))
        #expect(!html.contains("onmouseover=alert(1) &amp;\""))
        #expect(
            html.contains(
                "&lt;script&gt;document.title=&#39;x&#39;&lt;/script&gt;&quot;&#39; onmouseover=alert(1) &amp;amp;"))
        // The one script is the page's own.
        #expect(html.components(separatedBy: "<script>").count == 2)
        // A link goes to the host's folder as Ferry names it on disk: a safe relative name.
        #expect(html.contains("<a href=\"\(PathRules.safeComponent(Self.hostile))/\">"))
        #expect(!PathRules.safeComponent(Self.hostile).contains("/"))
    }

    @Test func hostsThatDidNotEndOkComeFirstWorstFirst() {
        let hosts: [RunReport.Host] = [
            RunReport.Host(
                host: "a-ok", status: .ok, commands: [record("get x", .ok, seconds: 2, bytes: 1 << 20, at: 0)]),
            RunReport.Host(host: "b-held", status: .held, commands: []),
            RunReport.Host(
                host: "c-failed", status: .failed, commands: [record("get y", .failed, seconds: 1, bytes: 0, at: 3)]),
            RunReport.Host(host: "d-not-run", status: .notRun, commands: []),
        ]
        let html = ReportPage(report(hosts)).html
        let order = ["c-failed", "b-held", "d-not-run"].compactMap {
            html.range(of: "<tr class=\"problem\" data-status=\"\($0.dropFirst(2))\"")?.lowerBound
        }
        #expect(order.count == 3 && order == order.sorted())
        #expect(html.contains("Hosts that did not end ok (3)"))
        // The ok host is folded away below the others in the timeline.
        let folded = html.range(of: "<details id=\"ok-hosts\"")
        let okRow = html.range(of: "data-status=\"ok\" data-text=\"a-ok")
        #expect(
            folded != nil && okRow != nil && folded?.lowerBound ?? html.endIndex < okRow?.lowerBound ?? html.startIndex)
        #expect(html.contains(">1 ok</span>") && html.contains(">1 failed</span>") && html.contains(">1 held</span>"))
        // The bar says what moved and how fast.
        #expect(html.contains("title=\"line 1: get x · ok · 1.0 MiB in 2.0 s, 512.0 KiB/s\""))
    }

    @Test func barsSitOnTheRunsClockAndMarkBarriersReconnectsAndWaves() {
        var first = record("barrier staged", .ok, seconds: 3, bytes: 0, at: 15)
        first.line = 2
        var second = record("get big", .ok, seconds: 15, bytes: 15 << 20, at: 0)
        second.reconnects = 2
        var host = RunReport.Host(host: "web1", status: .ok, commands: [second, first])
        host.wave = 2
        let html = ReportPage(report([host])).html
        // 15 s into a 30 s run: half-way.
        #expect(html.contains("class=\"bar c-ok barrier\" style=\"left:50.00%;width:10.00%\""))
        #expect(html.contains("class=\"bar c-ok reconnected\" style=\"left:0.00%;width:50.00%\""))
        #expect(html.contains("reconnected 2 time(s)"))
        #expect(html.contains("<i class=\"wave\" style=\"left:0.00%\" title=\"wave 2\"></i>"))
        #expect(html.contains("15.0 MiB moved in all"))
    }

    @Test func aMergedReportLinksEachHostIntoItsShardsFolder() {
        var host = RunReport.Host(host: "db1", status: .ok, commands: [])
        host.folder = "shard-2-of-4/db1"
        var run = record("run uptime", .failed, seconds: 1, bytes: 10, at: 2)
        run.output = "02-uptime"
        host.commands = [record("collect /var/log/syslog", .ok, seconds: 1, bytes: 100, at: 0), run]
        let html = ReportPage(report([host])).html
        #expect(html.contains("<a href=\"shard-2-of-4/db1/\">db1</a>"))
        #expect(html.contains("<a href=\"shard-2-of-4/db1/files/\">files</a>"))
        #expect(html.contains("<a class=\"bar c-failed\""))
        #expect(html.contains("href=\"shard-2-of-4/db1/02-uptime.stdout\"></a>"))
        #expect(HTMLText.percentEncoded("..") == "_")
        #expect(HTMLText.percentEncoded("javascript:x") == "javascript%3Ax")
    }
}
