import Foundation
import Testing

/// Big files split over several streams against a real sshd: exact at part boundaries both ways, and
/// nothing left behind when the host is cut off.
@Suite("Split transfers over several streams", .tags(.integration), .serialized)
struct SplitTransferTests {
    let server = TestSSHServer.shared

    @Test func getAndPutAreExactAtPartBoundaries() throws {
        let remote = TestSSHServer.scratch("split-remote")
        let local = TestSSHServer.scratch("split-local")
        let mebibyte = 1 << 20
        // 16 MiB parts at least: one stream, two, three with an uneven last part, four.
        let sizes = [(32 * mebibyte - 1, 1), (32 * mebibyte, 2), (48 * mebibyte + 7, 3), (64 * mebibyte + 1, 4)]
        var script = ""
        for (index, (size, _)) in sizes.enumerated() {
            writeRandomFile(remote + "/down\(index)", bytes: size)
            writeRandomFile(local + "/up\(index)", bytes: size)
            script += "get \(remote)/down\(index) down\(index)\nput up\(index) \(remote)/up\(index)\n"
        }
        let result = server.batch(script, in: local, extra: ["-v", "--streams", "4", "--connections", "4"])
        #expect(result.status == 0, "\(result.stderr)")
        for (index, (_, streams)) in sizes.enumerated() {
            #expect(checksum(local + "/down\(index)") == checksum(remote + "/down\(index)"), "down\(index)")
            #expect(checksum(remote + "/up\(index)") == checksum(local + "/up\(index)"), "up\(index)")
            if streams > 1 {
                #expect(result.stderr.contains("\(remote)/down\(index): \(streams) streams"), "\(result.stderr)")
                #expect(result.stderr.contains("up\(index): \(streams) streams"), "\(result.stderr)")
            }
        }
        let hidden = try FileManager.default.contentsOfDirectory(atPath: local).filter { $0.hasPrefix(".") }
        #expect(hidden.isEmpty, "left behind: \(hidden)")
    }

    @Test func aLinkThatAnswersAtOnceKeepsOneStream() throws {
        let remote = TestSSHServer.scratch("split-near-remote")
        let local = TestSSHServer.scratch("split-near-local")
        writeRandomFile(remote + "/big", bytes: 40 << 20)
        let result = server.batch("get \(remote)/big big\n", in: local, extra: ["-v"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stderr.contains("big files go in 1 stream(s)"), "\(result.stderr)")
        #expect(checksum(local + "/big") == checksum(remote + "/big"))
    }
}
