import Foundation
import Testing

@testable import FerryBase
@testable import FerryCore
@testable import FerryTransfer

/// Which way a transfer takes the place of an existing file (see LocalReplacement, RemoteReplacement).
@Suite("Replacing files")
struct ReplacementTests {
    func folder() throws -> String { try scratchFolder("replace") }

    @Test func aNewFileGetsTheRemoteBitsLessTheUmask() throws {
        let path = try folder() + "/new"
        let made = LocalReplacement(for: path, remoteMode: 0o100755, preserve: false)
        #expect(made.way == .rename)
        #expect(made.mode == 0o755 & ~UInt32(LocalFile.umaskValue))
        #expect(LocalReplacement(for: path, remoteMode: 0o104755, preserve: true).mode == 0o755)
        #expect(
            LocalReplacement(for: path, remoteMode: nil, preserve: false).mode == 0o666 & ~UInt32(LocalFile.umaskValue))
    }

    @Test func anOwnPlainFileIsRenamedOverWithItsModeAndAnythingElseWrittenInPlace() throws {
        let base = try folder()
        try "x".write(toFile: base + "/mine", atomically: false, encoding: .utf8)
        chmod(base + "/mine", 0o600)
        let mine = LocalReplacement(for: base + "/mine", remoteMode: 0o100644, preserve: false)
        #expect(mine.way == .rename && mine.mode == 0o600 && mine.owner?.uid == geteuid())
        #expect(LocalReplacement(for: base + "/mine", remoteMode: 0o100644, preserve: true).mode == 0o644)
        try FileManager.default.createSymbolicLink(atPath: base + "/link", withDestinationPath: "mine")
        #expect(LocalReplacement(for: base + "/link", remoteMode: 0o100644, preserve: false).way == .inPlace)
        link(base + "/mine", base + "/second")
        #expect(LocalReplacement(for: base + "/mine", remoteMode: 0o100644, preserve: false).way == .inPlace)
    }

    @Test func linkCountsComeFromTheListingsLongNames() {
        #expect(RemoteReplacement.linkCount(inLongName: "-rw-r--r--    2 alice staff 6 Jan 1 00:00 f") == 2)
        #expect(RemoteReplacement.linkCount(inLongName: "-rw-r--r-- 1 0 0 6 Jan 1 00:00 f") == 1)
        #expect(RemoteReplacement.linkCount(inLongName: "") == nil)
        #expect(RemoteReplacement.linkCount(inLongName: "f") == nil)
    }
}
