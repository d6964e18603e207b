import Foundation
import Testing

@testable import FerryBase
@testable import FerryCore
@testable import FerryScript
@testable import FerryTransfer

@Suite("Trust boundary: server text, names, paths, modes")
struct TrustTests {
    @Test(arguments: [
        ("plain name.txt", "plain name.txt"), ("caf\u{E9} \u{65E5}\u{672C}", "caf\u{E9} \u{65E5}\u{672C}"),
        ("a\u{1B}[2Jb", "a^[[2Jb"), ("bell\u{7}", "bell^G"), ("two\nlines", "two^Jlines"), ("cr\r", "cr^M"),
        ("tab\t", "tab^I"), ("del\u{7F}", "del^?"), ("csi\u{9B}31m", "csi\\u{9b}31m"), ("nul\u{0}x", "nul^@x"),
        ("rtl\u{202E}gpj.exe", "rtl\\u{202e}gpj.exe"), ("zero\u{200B}width", "zero\\u{200b}width"),
    ])
    func visibleShowsEveryControl(raw: String, shown: String) {
        #expect(ServerText.visible(raw) == shown)
        #expect(ServerText.visible(shown) == shown, "applying it twice changes nothing")
    }

    @Test func visibleLinesKeepsLinesAndTabsButNotCarriageReturns() {
        #expect(ServerText.visibleLines("a\tb\nc\r\n\u{1B}[1m") == "a\tb\nc\n^[[1m")
    }

    @Test func streamedOutputKeepsCharactersSplitAcrossChunks() {
        var sanitizer = TerminalSanitizer()
        let bytes = Array("\u{E9}\u{1B}x".utf8)
        let first = bytes.withUnsafeBytes { sanitizer.clean(UnsafeRawBufferPointer(rebasing: $0[0..<1])) }
        let rest = bytes.withUnsafeBytes { sanitizer.clean(UnsafeRawBufferPointer(rebasing: $0[1...])) }
        #expect(first == "")
        #expect(rest == "\u{E9}^[x")
    }

    @Test(arguments: [
        ("ok.txt", nil), (".hidden", nil), ("a b", nil), ("", RemoteName.Problem.empty), (".", .dot),
        ("..", .dot), ("../x", .slash), ("x/..", .slash), ("/etc/passwd", .slash), ("a\u{0}b", .nul),
    ])
    func listedNamesMustBeOneComponent(name: String, problem: RemoteName.Problem?) {
        #expect(RemoteName.problem(withName: name) == problem)
    }

    @Test(arguments: [
        ("/", nil), ("/home/user", nil), ("/a/b.c/..d", nil), ("", RemoteName.Problem.empty), ("etc", .relative),
        ("/a/../b", .dotComponent), ("/a/.", .dotComponent), ("/x\u{0}/y", .nul),
    ])
    func realpathAnswersMustBeCanonical(path: String, problem: RemoteName.Problem?) {
        #expect(RemoteName.problem(withPath: path) == problem)
    }

    @Test func namesThatAreNotUTF8AreNotDecoded() {
        #expect(RemoteName.decode([0x61, 0x62]) == "ab")
        #expect(RemoteName.decode([0xFF, 0x66]) == nil)
    }

    @Test func refusalWarningShowsTheNameSafely() {
        let refused = RefusedName(name: "a\nb", problem: .slash)
        #expect(refused.warning(in: "/d") == #"server sent a suspicious name "a^Jb" in /d (it contains "/"); skipped"#)
    }

    @Test(arguments: [
        ("db-*", "db-/x/authorized_keys", false), ("*", "x/.bashrc", false), ("*.tar.gz", "keys\u{0}.tar.gz", false),
        ("?", "/", false), ("[!a]", "/", false), ("*x", "a/x", false), ("a*", "a/", false), ("*", "plain", true),
        ("db-*", "db-1.tar.gz", true),
    ])
    func wildcardsNeverCrossAComponent(pattern: String, name: String, matches: Bool) {
        #expect(Wildcard(pattern).matches(name) == matches)
    }

    @Test func setIDAndStickyBitsAreDropped() {
        #expect(ServerMode.local(0o104755) == 0o755)
        #expect(ServerMode.local(0o2777) == 0o777)
        #expect(ServerMode.local(0o1640) == 0o640)
    }

    @Test func failureMessagesAreOneVisibleLine() {
        let failure = CommandFailure(.transfer, "get: /d/x\nremote:/etc/shadow => local:shadow\u{1B}[2J")
        #expect(failure.message == "get: /d/x^Jremote:/etc/shadow => local:shadow^[[2J")
    }

    @Test func reportMarkdownShowsServerTextSafely() {
        let record = CommandRecord(
            line: 1, command: "run x", host: "h", status: .failed, exitStatus: nil, signal: "TERM\u{1B}]0;x\u{7}",
            timedOutAfterSeconds: nil, durationSeconds: 0, bytes: 0, message: "a|b")
        let report = RunReport(
            run: "r", script: "s.scr", started: Date(), finished: Date(), exitStatus: 8, records: [record])
        // Shown as TERM^[]0;x^G once rendered.
        #expect(report.markdown.contains("| TERM^\\[\\]0;x^G |"))
        #expect(report.markdown.contains("a\\|b"))
    }

    @Test func reportMarkdownEscapesWhatARendererWouldInterpret() {
        #expect(ServerText.markdown("<img src=x onerror=alert(1)>") == "&lt;img src=x onerror=alert(1)&gt;")
        #expect(ServerText.markdown("a\\|b") == "a\\\\\\|b")
        #expect(ServerText.markdown("[click](http://evil) `x` & y") == "\\[click\\](http://evil) \\`x\\` &amp; y")
        #expect(ServerText.markdown("plain name_1.txt") == "plain name_1.txt")
        let record = CommandRecord(
            line: 1, command: "get <b>x</b>", host: "h", status: .failed, exitStatus: nil, signal: nil,
            timedOutAfterSeconds: nil, durationSeconds: 0, bytes: 0, message: "no such file: a\\|b<script>")
        let markdown = RunReport(
            run: "r", script: "s.scr", started: Date(), finished: Date(), exitStatus: 7, records: [record]
        ).markdown
        let row = markdown.split(separator: "\n").first { $0.hasPrefix("| 1 |") } ?? ""
        // Seven cells: no pipe in a value ends one early.
        #expect(
            row.replacingOccurrences(of: "\\\\", with: "").replacingOccurrences(of: "\\|", with: "").filter {
                $0 == "|"
            }.count == 8)
        #expect(!markdown.contains("<b>") && !markdown.contains("<script>"))
        #expect(row.contains("get &lt;b&gt;x&lt;/b&gt;"))
    }

    @Test func downloadRootRefusesPathsAndLinksThatLeadOut() throws {
        let world = try scratchFolder("root")
        let root = world + "/target"
        try FileManager.default.createDirectory(atPath: root + "/real", withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: world + "/outside", withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(atPath: root + "/out", withDestinationPath: world + "/outside")
        try FileManager.default.createSymbolicLink(atPath: root + "/in", withDestinationPath: root + "/real")
        try FileManager.default.createSymbolicLink(atPath: root + "/dangling", withDestinationPath: world + "/none")
        defer { try? FileManager.default.removeItem(atPath: world) }
        let guardRail = DownloadRoot(root)
        #expect(guardRail.escape(root + "/new/deeper/file") == nil)
        #expect(guardRail.escape(root + "/real/file") == nil)
        #expect(guardRail.escape(root + "/in/file") == nil)
        #expect(guardRail.escape(root + "/../outside/file") == "outside \(root)")
        #expect(guardRail.escape(root + "/out/file")?.contains("leads outside \(root)") == true)
        #expect(guardRail.escape(root + "/out/new/deeper") != nil)
        #expect(guardRail.escape(root + "/dangling") != nil)
    }
}
