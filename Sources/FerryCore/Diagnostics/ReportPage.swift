import FerryBase
import Foundation

/// `report.html`: a run's report as one self-contained page (inline CSS and SVG, a few lines of
/// inline script for the filters, nothing fetched), drawn from a ``RunReport`` alone, so a run, a
/// merged report and `ferry report html` draw it the same way.
///
/// Every text from a server or a script passes ``HTMLText/escape(_:)``, and the page's
/// Content-Security-Policy forbids loading anything, so a hostile file name shows as text.
public struct ReportPage {
    /// The report drawn.
    public let report: RunReport

    /// A page for `report`.
    public init(_ report: RunReport) { self.report = report }

    /// One command placed on the run's clock.
    struct Bar {
        var start: Double
        var seconds: Double
        var record: CommandRecord
    }

    /// The page.
    public var html: String {
        let timeline = Timeline(report)
        var page = [head, header(timeline)]
        page.append(problems)
        page.append(transfers(timeline))
        page.append(timelineSection(timeline))
        page.append(Self.script)
        page.append("</body></html>\n")
        return page.joined(separator: "\n")
    }

    private var title: String { "Ferry run \(report.run): \(report.exitStatus == 0 ? "ok" : "failed")" }

    private var head: String {
        """
        <!doctype html>
        <html lang="en"><head><meta charset="utf-8">
        <meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; \
        script-src 'unsafe-inline'">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <title>\(HTMLText.escape(title))</title>
        <style>\(Self.style)</style></head><body>
        """
    }

    private func header(_ timeline: Timeline) -> String {
        let counts = Dictionary(report.hosts.map { ($0.status, 1) }, uniquingKeysWith: +)
        let badges = HostStatus.allCases.compactMap { status -> String? in
            guard let count = counts[status] else { return nil }
            return "<span class=\"badge s-\(status.rawValue)\">\(count) \(status.rawValue)</span>"
        }
        var facts: [(String, String)] = [
            ("script", report.script ?? "(prompt)"), ("started", report.started),
            ("length", Self.duration(timeline.length)),
            ("exit status", String(report.exitStatus)), ("hosts", String(report.hosts.count)),
        ]
        if let bwlimit = report.bwlimit { facts.append(("transfers capped at", bwlimit.description)) }
        if let merged = report.merged {
            facts.append(("merged from", "\(merged.shards.count) of \(merged.count) shards"))
        }
        let list = facts.map { "<dt>\(HTMLText.escape($0.0))</dt><dd>\(HTMLText.escape($0.1))</dd>" }.joined()
        return """
            <header><h1 class="s-\(report.exitStatus == 0 ? "ok" : "failed")">\(HTMLText.escape(title))</h1>
            <dl>\(list)</dl><p id="counts">\(badges.joined(separator: " "))</p></header>
            """
    }

    /// The hosts that did not end ok, failed first, with their failed line and message.
    private var problems: String {
        let order: [HostStatus] = [.failed, .timedOut, .trouble, .interrupted, .held, .notRun]
        let hosts = report.hosts.filter { $0.status != .ok }
            .sorted { (order.firstIndex(of: $0.status) ?? 9) < (order.firstIndex(of: $1.status) ?? 9) }
        guard !hosts.isEmpty else { return "<section id=\"problems\"><h2>Every host ended ok</h2></section>" }
        let rows = hosts.map { host in
            "<tr class=\"problem\" data-status=\"\(host.status.rawValue)\"><td>\(link(host))</td>"
                + "<td><span class=\"badge s-\(host.status.rawValue)\">\(host.status.rawValue)</span></td>"
                + "<td>\(HTMLText.escape(host.failedCommand ?? ""))</td><td>\(HTMLText.escape(host.message ?? ""))</td></tr>"
        }
        return """
            <section id="problems"><h2>Hosts that did not end ok (\(hosts.count))</h2>
            <table><thead><tr><th>host</th><th>status</th><th>failed command</th><th>message</th></tr></thead>
            <tbody>\(rows.joined(separator: "\n"))</tbody></table></section>
            """
    }

    /// A host's name, linking to its folder of collected files and command output.
    func link(_ host: RunReport.Host) -> String {
        "<a href=\"\(folder(of: host))/\">\(HTMLText.escape(host.host))</a>"
    }

    /// The host's folder as a relative link, each component percent-encoded.
    func folder(of host: RunReport.Host) -> String {
        let folder = host.folder ?? PathRules.safeComponent(host.host)
        return folder.split(separator: "/").map { HTMLText.percentEncoded(String($0)) }.joined(separator: "/")
    }

    /// Total bytes, the rate over time, and each host's bytes.
    private func transfers(_ timeline: Timeline) -> String {
        let total = report.hosts.reduce(UInt64(0)) { $0 + $1.commands.reduce(0) { $0 + $1.bytes } }
        guard total > 0 else { return "<section id=\"transfers\"><h2>Transfers</h2><p>No bytes moved.</p></section>" }
        let rates = timeline.rates(buckets: 120)
        let peak = max(rates.max() ?? 0, 1)
        let points = rates.enumerated().map { index, rate in
            String(format: "%.1f,%.1f", Double(index) * 1000 / Double(max(1, rates.count - 1)), 100 - rate / peak * 95)
        }
        return """
            <section id="transfers"><h2>Transfers</h2>
            <p>\(HTMLText.escape(ByteCount.text(Double(total)))) moved in all; highest rate \
            \(HTMLText.escape(ByteCount.text(peak)))/s.</p>
            <svg class="chart" viewBox="0 0 1000 100" preserveAspectRatio="none" role="img" \
            aria-label="transfer rate over the run"><title>rate over the run, up to \
            \(HTMLText.escape(ByteCount.text(peak)))/s</title>\
            <polyline points="\(points.joined(separator: " "))"/></svg>
            <p class="axis"><span>0 s</span><span>\(HTMLText.escape(Self.duration(timeline.length)))</span></p>
            </section>
            """
    }

    /// One row per host: its commands as bars on the run's clock; ok hosts folded away.
    private func timelineSection(_ timeline: Timeline) -> String {
        let statuses = HostStatus.allCases.map { "<option>\($0.rawValue)</option>" }.joined()
        let row = { (host: RunReport.Host) in self.row(host, timeline: timeline) }
        let others = report.hosts.filter { $0.status != .ok }.map(row)
        let ok = report.hosts.filter { $0.status == .ok }.map(row)
        let marks = timeline.waveStarts.map { start, wave in
            "<i class=\"wave\" style=\"left:\(Self.percent(start, of: timeline.length))\" title=\"wave \(wave)\"></i>"
        }
        return """
            <section id="timeline"><h2>Timeline</h2>
            <p class="filters"><input id="filter" type="search" placeholder="filter hosts, tags, failures" \
            aria-label="filter"> <select id="status" aria-label="status"><option value="">every status</option>\
            \(statuses)</select> <span id="shown"></span></p>
            <div class="rows"><div class="marks">\(marks.joined())</div>
            \(others.joined(separator: "\n"))
            <details id="ok-hosts"\(others.isEmpty ? " open" : "")\(ok.isEmpty ? " hidden" : "")>\
            <summary>\(ok.count) host\(ok.count == 1 ? "" : "s") ok</summary>
            \(ok.joined(separator: "\n"))
            </details></div></section>
            """
    }

    private func row(_ host: RunReport.Host, timeline: Timeline) -> String {
        let folder = folder(of: host)
        let bars = timeline.bars(of: host).map { bar(_: $0, length: timeline.length, folder: folder) }
        let bytes = host.commands.reduce(UInt64(0)) { $0 + $1.bytes }
        // What the filter box looks in: every host runs the same script, so not its commands.
        let search =
            ([host.host, host.status.rawValue, host.failedCommand ?? "", host.message ?? ""] + (host.tags ?? []))
            .joined(separator: " ").lowercased()
        let wave = host.wave.map { " <small>wave \($0)</small>" } ?? ""
        // What `collect` fetched has a folder of its own; `run` output is in the host's folder.
        let collected = host.commands.contains { $0.command.hasPrefix("collect") && $0.bytes > 0 }
        let files = collected ? " <small><a href=\"\(folder)/files/\">files</a></small>" : ""
        let about = [host.status.rawValue, host.failedCommand, host.message].compactMap { $0 }.joined(separator: " · ")
        return "<div class=\"host\" data-status=\"\(host.status.rawValue)\" data-text=\"\(HTMLText.escape(search))\">"
            + "<span class=\"name\" title=\"\(HTMLText.escape(about))\">\(link(host))\(wave)\(files)</span>"
            + "<span class=\"track\">\(bars.joined())</span>"
            + "<span class=\"bytes\">\(bytes > 0 ? HTMLText.escape(ByteCount.text(Double(bytes))) : "")</span></div>"
    }

    /// A command's bar; a `run` command's is a link to the output it kept in the host's `folder`.
    private func bar(_ bar: Bar, length: Double, folder: String) -> String {
        let record = bar.record
        var words = [(record.line.map { "line \($0): " } ?? "") + record.command, record.status.rawValue]
        if record.bytes > 0 {
            let rate = bar.seconds > 0 ? ", \(ByteCount.text(Double(record.bytes) / bar.seconds))/s" : ""
            words.append("\(ByteCount.text(Double(record.bytes))) in \(String(format: "%.1f", bar.seconds)) s\(rate)")
        } else {
            words.append(String(format: "%.1f s", bar.seconds))
        }
        if let reconnects = record.reconnects { words.append("reconnected \(reconnects) time(s)") }
        if let message = record.message { words.append(message) }
        var classes = "bar c-\(record.status.rawValue)"
        if record.command.hasPrefix("barrier") { classes += " barrier" }
        if record.reconnects != nil { classes += " reconnected" }
        let width = max(0.15, bar.seconds / max(length, 0.001) * 100)
        let place =
            "class=\"\(classes)\" style=\"left:\(Self.percent(bar.start, of: length));width:"
            + String(format: "%.2f%%", width) + "\" title=\"\(HTMLText.escape(words.joined(separator: " · ")))\""
        guard let output = record.output else { return "<b \(place)></b>" }
        return "<a \(place) href=\"\(folder)/\(HTMLText.percentEncoded(output + ".stdout"))\"></a>"
    }

    static func percent(_ value: Double, of whole: Double) -> String {
        String(format: "%.2f%%", whole > 0 ? min(100, max(0, value / whole * 100)) : 0)
    }

    static func duration(_ seconds: Double) -> String {
        seconds < 60
            ? String(format: "%.1f s", seconds) : "\(Int(seconds) / 60) min \(Int(seconds) % 60) s"
    }
}
