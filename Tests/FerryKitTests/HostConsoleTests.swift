import Foundation
import Synchronization
import Testing

@testable import FerryApp

/// What a host's console passes on with `--stream`.
@Suite("Streamed host output")
struct HostConsoleTests {
    final class Lines: FleetObserver {
        let lines = Mutex<[(String, Bool)]>([])
        func line(_ text: String, from host: String, isError: Bool) { lines.withLock { $0.append((text, isError)) } }
        func finished(_ result: HostResult, counts: FleetCounts) {}
        func progress(_ counts: FleetCounts) {}
    }

    @Test func linesArePassedOnWholeWhateverTheChunks() {
        let observer = Lines()
        let console = HostConsole(label: "h", observer: observer, streams: true, limit: 1 << 20)
        for chunk in ["one\ntw", "o\n", "", "three", "\nfour\nfi", "ve"] { console.stream(chunk, isError: false) }
        console.stream("err\n", isError: true)
        console.flush()
        #expect(observer.lines.withLock { $0.map(\.0) } == ["one", "two", "three", "four", "err", "five"])
        #expect(observer.lines.withLock { $0.map(\.1) } == [false, false, false, false, true, false])
    }

    @Test func aLineThatNeverEndsGoesOnInPiecesCutBetweenCharacters() {
        let observer = Lines()
        let console = HostConsole(label: "h", observer: observer, streams: true, limit: 0)
        // 3-byte characters, so 64 KiB falls inside one; fed in chunks of odd sizes.
        let text = String(repeating: "€", count: 100_000)
        var rest = Substring(text)
        while !rest.isEmpty {
            console.stream(String(rest.prefix(7_777)), isError: false)
            rest = rest.dropFirst(7_777)
        }
        console.flush()
        let pieces = observer.lines.withLock { $0.map(\.0) }
        #expect(pieces.joined() == text)
        #expect(pieces.dropLast().allSatisfy { $0.utf8.count <= HostConsole.longestLine })
        #expect(pieces.dropLast().allSatisfy { $0.utf8.count > HostConsole.longestLine - 4 })
        #expect(pieces.count == 300_000 / (HostConsole.longestLine - 1) + 1)
    }
}
