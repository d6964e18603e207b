import Foundation
import Testing

@testable import FerryBase
@testable import FerryCore
@testable import FerryScript
@testable import FerryTransfer
@testable import FerryTransport

/// Big files split over several streams, against the in-memory remote tree: small parts, so every
/// boundary is crossed with little data.
@Suite("Split transfers")
struct SegmentedTransferTests {
    let local: String

    init() throws {
        local = try scratchFolder("split")
    }

    func bytes(_ count: Int, seed: UInt8) -> Data {
        Data((0..<count).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ Int(seed)) })
    }

    func job(download: Bool, size: Int, remote: String = "/d/big", localName: String = "big") -> TransferJob {
        TransferJob(
            remotePath: remote, localPath: local + "/" + localName, remoteDisplay: remote, localDisplay: localName,
            isDownload: download, resume: false, preserve: false, sourceSize: UInt64(size), sourcePermissions: 0o640,
            sourceModificationTime: nil, localRoot: nil)
    }

    /// Plans `jobs` with parts of `part` bytes, runs them on the pool and returns each file's outcome.
    func run(
        _ jobs: [TransferJob], tree: FakeRemoteTree, part: UInt64, connector: FakeConnector? = nil,
        main: FakeRemoteFiles? = nil
    ) -> (plan: [TransferJob], outcomes: [TransferOutcome]) {
        let mainFiles = main ?? tree.connection("main", readDelay: 0.001)
        var plan = SegmentPlan(jobs, streams: 4, files: mainFiles, minimumPart: part, log: { _ in })
        let units = plan.units
        let pool = TransferPool(
            connector: connector ?? FakeConnector(tree: tree), extraConnections: 3, cancellation: Cancellation(),
            log: { _ in })
        defer { pool.shutdown() }
        var outcomes: [TransferOutcome] = []
        pool.run(
            units, mainClient: mainFiles, buffer: FileTransfer.Buffer(), display: RecordingConsole(),
            report: { index, outcome in outcomes += plan.record(index, outcome).map(\.outcome) })
        return (units, outcomes)
    }

    func leftovers() throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: local).filter { $0.hasPrefix(".") }
    }

    @Test(arguments: [0, 1, 999, 1000, 1001, 3999, 4000, 4001, 10_007])
    func downloadsAreExactAtEveryBoundary(size: Int) throws {
        let tree = FakeRemoteTree()
        let data = bytes(size, seed: 7)
        tree.addFile("/d/big", data)
        let (units, outcomes) = run([job(download: true, size: size)], tree: tree, part: 1000)
        let expectedParts = size < 2000 ? 1 : min(4, size / 1000)
        #expect(units.count == expectedParts)
        #expect(outcomes.count == 1 && outcomes[0].failure == nil, "\(outcomes)")
        #expect(outcomes.first?.bytes == UInt64(size))
        #expect(FileManager.default.contents(atPath: local + "/big") == data)
        #expect(try leftovers().isEmpty)
    }

    @Test(arguments: [2000, 4001, 10_007])
    func uploadsAreExactAtEveryBoundary(size: Int) throws {
        let tree = FakeRemoteTree()
        tree.addFolder("/d")
        tree.addFile("/d/big", bytes(50_000, seed: 1))  // an older, longer file is emptied first
        let data = bytes(size, seed: 9)
        try data.write(to: URL(fileURLWithPath: local + "/big"))
        let (units, outcomes) = run([job(download: false, size: size)], tree: tree, part: 1000)
        #expect(units.count > 1)
        #expect(outcomes.count == 1 && outcomes[0].failure == nil, "\(outcomes)")
        guard case .file(let uploaded, _)? = tree.node("/d/big") else {
            Issue.record("nothing uploaded")
            return
        }
        #expect(uploaded == data)
    }

    @Test func partsOfDroppedConnectionsAreDoneAgainElsewhere() throws {
        let tree = FakeRemoteTree()
        let data = bytes(20_000, seed: 3)
        tree.addFile("/d/big", data)
        let (_, outcomes) = run(
            [job(download: true, size: 20_000)], tree: tree, part: 1000,
            connector: FakeConnector(tree: tree, dying: true), main: tree.connection("main", readDelay: 0.02))
        #expect(outcomes.count == 1 && outcomes[0].failure == nil, "\(outcomes)")
        #expect(FileManager.default.contents(atPath: local + "/big") == data)
        #expect(try leftovers().isEmpty)
    }

    @Test func aFailedPartLeavesNothingBehind() throws {
        let tree = FakeRemoteTree()
        // The server announced 8,000 bytes but holds 5,000: the last parts end early.
        tree.addFile("/d/big", bytes(5000, seed: 5))
        let (_, outcomes) = run([job(download: true, size: 8000)], tree: tree, part: 1000)
        #expect(outcomes.count == 1)
        #expect(outcomes.first?.failure?.message.contains("file ended at") == true, "\(outcomes)")
        #expect(!FileManager.default.fileExists(atPath: local + "/big"))
        #expect(try leftovers().isEmpty)
    }

    @Test func smallAndResumedFilesAreNotSplit() {
        let tree = FakeRemoteTree()
        var resumed = job(download: true, size: 50_000)
        resumed.resume = true
        let plan = SegmentPlan(
            [job(download: true, size: 1999), resumed], streams: 4, files: tree.connection("main"), minimumPart: 1000,
            log: { _ in })
        #expect(plan.units.count == 2 && !plan.splitsFiles)
    }

    /// A size no disk here holds (the server's word) is not made into a temporary file that big: the
    /// file is moved whole, so the download stops where the data or the disk does.
    @Test func anAnnouncedSizeBeyondTheFreeSpaceIsNotSplit() throws {
        let tree = FakeRemoteTree()
        tree.addFile("/d/big", bytes(5000, seed: 9))
        let plan = SegmentPlan(
            [job(download: true, size: Int(1 << 40))], streams: 4, files: tree.connection("main"), minimumPart: 1000,
            log: { _ in })
        #expect(plan.units.count == 1 && !plan.splitsFiles)
        #expect(try leftovers().isEmpty)
    }
}
