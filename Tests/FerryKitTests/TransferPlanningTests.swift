import Foundation
import Synchronization
import Testing

@testable import FerryBase
@testable import FerryCore
@testable import FerryScript
@testable import FerryTransfer
@testable import FerryTransport

/// Planning and the transfer pool against an in-memory remote tree, no sockets.
@Suite("Transfer planning and the pool")
struct TransferPlanningTests {
    let local: String

    init() throws {
        local = try scratchFolder("plan")
    }

    func planner(_ tree: FakeRemoteTree, remote: String = "/", host: String? = nil, warnings: Warnings)
        -> TransferPlanner
    {
        TransferPlanner(
            files: tree.connection("main"),
            paths: PathContext(remoteDirectory: remote, localDirectory: local, hostLabel: host, home: "/home/u"),
            warn: { warnings.add($0) })
    }

    final class Warnings: Sendable {
        private let lines = Mutex<[String]>([])
        func add(_ line: String) { lines.withLock { $0.append(line) } }
        var all: [String] { lines.withLock { $0 } }
    }

    func data(_ text: String) -> Data { Data(text.utf8) }

    @Test func mgetPlansTheMatchesAndSaysWhatItSkips() throws {
        let tree = FakeRemoteTree()
        tree.addFile("/backup/a.tar.gz", data("a"))
        tree.addFile("/backup/b.tar.gz", data("bb"))
        tree.addFile("/backup/.hidden.tar.gz", data("h"))
        tree.addFile("/backup/notes.txt", data("n"))
        tree.addFolder("/backup/old.tar.gz")
        let warnings = Warnings()
        let jobs = try planner(tree, remote: "/backup", warnings: warnings).planDownload(
            Transfer(kind: .mget, sources: ["*.tar.gz", "*.iso"]))
        #expect(jobs.map(\.remotePath) == ["/backup/a.tar.gz", "/backup/b.tar.gz"])
        #expect(jobs.map(\.localPath) == [local + "/a.tar.gz", local + "/b.tar.gz"])
        #expect(jobs.allSatisfy { $0.localRoot == local && $0.isDownload })
        #expect(jobs.map(\.sourceSize) == [1, 2])
        #expect(
            warnings.all == [
                "mget: /backup/old.tar.gz: skipping directory (use mget -r)", "warning: mget: *.iso: nothing matched",
            ])
    }

    @Test func getRecursivePlansTheTreeAndMakesItsFolders() throws {
        let tree = FakeRemoteTree()
        tree.addFile("/srv/site/index.html", data("i"))
        tree.addFile("/srv/site/css/a.css", data("c"))
        tree.addFolder("/srv/site/empty")
        let warnings = Warnings()
        let jobs = try planner(tree, warnings: warnings).planDownload(
            Transfer(kind: .get, sources: ["/srv/site"], destination: "copy", recursive: true))
        #expect(jobs.map(\.localPath) == [local + "/copy/css/a.css", local + "/copy/index.html"])
        #expect(jobs.map(\.localDisplay) == ["copy/css/a.css", "copy/index.html"])
        #expect(LocalStatus(local + "/copy/empty")?.isDirectory == true)
        #expect(warnings.all.isEmpty)
    }

    @Test func anEndlessTreeStopsAtSixtyFourLevels() throws {
        let tree = FakeRemoteTree()
        var path = "/deep"
        for _ in 0..<70 { path += "/again" }
        tree.addFile(path + "/x", data("x"))
        let warnings = Warnings()
        let jobs = try planner(tree, warnings: warnings).planDownload(
            Transfer(kind: .get, sources: ["/deep"], recursive: true))
        #expect(jobs.isEmpty)
        #expect(warnings.all.count == 1)
        #expect(warnings.all.first?.hasSuffix("more than 64 folders deep; skipped") == true)
    }

    @Test func aHostFolderIsMadeOnlyForADestination() throws {
        let tree = FakeRemoteTree()
        tree.addFile("/etc/hostname", data("web1\n"))
        let warnings = Warnings()
        let plan = planner(tree, host: "web1:2222", warnings: warnings)
        #expect(plan.localPath("{host}/hostname") == local + "/web1_2222/hostname")
        #expect(LocalStatus(local + "/web1_2222") == nil, "resolving a path makes nothing")
        let jobs = try plan.planDownload(
            Transfer(kind: .get, sources: ["/etc/hostname"], destination: "{host}/hostname"))
        #expect(jobs.map(\.localPath) == [local + "/web1_2222/hostname"])
        #expect(LocalStatus(local + "/web1_2222")?.isDirectory == true)
    }

    @Test func putRecursiveMakesTheRemoteFolders() throws {
        try FileManager.default.createDirectory(atPath: local + "/conf/sub", withIntermediateDirectories: true)
        try data("1").write(to: URL(fileURLWithPath: local + "/conf/a.conf"))
        try data("2").write(to: URL(fileURLWithPath: local + "/conf/sub/b.conf"))
        let tree = FakeRemoteTree()
        tree.addFolder("/etc")
        let warnings = Warnings()
        let jobs = try planner(tree, remote: "/etc", warnings: warnings).planUpload(
            Transfer(kind: .put, sources: ["conf"], recursive: true))
        #expect(jobs.map(\.remotePath) == ["/etc/conf/a.conf", "/etc/conf/sub/b.conf"])
        if case .folder? = tree.node("/etc/conf/sub") {} else { Issue.record("/etc/conf/sub was not made") }
    }

    /// Many files over the pool's fake connections: every file lands whole, results come back in the
    /// order the files were listed, and the extra connections take their share.
    @Test func thePoolMovesEveryFileAndReportsInOrder() throws {
        let tree = FakeRemoteTree()
        for index in 0..<40 { tree.addFile("/d/f\(index).bin", Data(repeating: UInt8(index), count: 1000 + index)) }
        let warnings = Warnings()
        let jobs = try planner(tree, remote: "/d", warnings: warnings).planDownload(
            Transfer(kind: .mget, sources: ["*.bin"]))
        let reported = try runPool(
            jobs, main: tree.connection("main", readDelay: 0.005), connector: FakeConnector(tree: tree))
        #expect(reported.map(\.0) == Array(0..<40))
        #expect(reported.allSatisfy { $0.1.failure == nil })
        for index in 0..<40 {
            let copy = FileManager.default.contents(atPath: local + "/f\(index).bin")
            #expect(copy == Data(repeating: UInt8(index), count: 1000 + index), "f\(index).bin")
        }
        #expect(tree.servedCounts.keys.contains { $0.hasPrefix("extra-") }, "\(tree.servedCounts)")
    }

    @Test func whenNoExtraConnectionOpensTheMainOneDoesEverything() throws {
        let tree = FakeRemoteTree()
        for index in 0..<10 { tree.addFile("/d/f\(index)", data("\(index)")) }
        let warnings = Warnings()
        let jobs = try planner(tree, remote: "/d", warnings: warnings).planDownload(
            Transfer(kind: .mget, sources: ["f*"]))
        let console = RecordingConsole()
        // A slow main connection, so the failed extra connections have long reported back.
        let reported = try runPool(
            jobs, main: tree.connection("main", readDelay: 0.02), connector: FakeConnector(tree: tree, failing: true),
            console: console)
        #expect(reported.count == 10 && reported.allSatisfy { $0.1.failure == nil })
        #expect(tree.servedCounts == ["main": 10])
        #expect(console.problems.count == 3, "\(console.problems)")
        #expect(console.problems.allSatisfy { $0.hasPrefix("warning: extra connection failed:") })
    }

    @Test func filesOfConnectionsThatDropAreDoneByAnother() throws {
        let tree = FakeRemoteTree()
        for index in 0..<12 { tree.addFile("/d/f\(index)", Data(repeating: UInt8(index), count: 5000)) }
        let warnings = Warnings()
        let jobs = try planner(tree, remote: "/d", warnings: warnings).planDownload(
            Transfer(kind: .mget, sources: ["f*"]))
        let console = RecordingConsole()
        // Every extra connection is lost at its first read; the slow main connection gets every file done.
        let reported = try runPool(
            jobs, main: tree.connection("main", readDelay: 0.02), connector: FakeConnector(tree: tree, dying: true),
            console: console)
        #expect(reported.map(\.0) == Array(0..<12))
        #expect(reported.allSatisfy { $0.1.failure == nil })
        for index in 0..<12 {
            let copy = FileManager.default.contents(atPath: local + "/f\(index)")
            #expect(copy == Data(repeating: UInt8(index), count: 5000), "f\(index)")
        }
        #expect(console.problems.count == 3, "\(console.problems)")
        #expect(console.problems.allSatisfy { $0.hasPrefix("warning: extra connection lost:") })
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: local).filter { $0.hasPrefix(".") }
        #expect(leftovers.isEmpty, "temporary files left: \(leftovers)")
    }

    func runPool(
        _ jobs: [TransferJob], main: FakeRemoteFiles, connector: FakeConnector,
        console: RecordingConsole = RecordingConsole()
    ) throws -> [(Int, TransferOutcome)] {
        let pool = TransferPool(
            connector: connector, extraConnections: 3, cancellation: Cancellation(), log: { _ in })
        defer { pool.shutdown() }
        var reported: [(Int, TransferOutcome)] = []
        pool.run(
            jobs, mainClient: main, buffer: FileTransfer.Buffer(), display: console,
            report: { reported.append(($0, $1)) })
        return reported
    }
}

/// A console that keeps what it is told.
final class RecordingConsole: Console {
    var output: [String] = []
    var problems: [String] = []
    func print(_ line: String) { output.append(line) }
    func report(_ line: String) { problems.append(line) }
    func stream(_ text: String, isError: Bool) {}
    func progress(_ status: TransferProgress) {}
    func endProgress() {}
}
