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
        for folder in [local, remote] {
            let hidden = try FileManager.default.contentsOfDirectory(atPath: folder).filter { $0.hasPrefix(".") }
            #expect(hidden.isEmpty, "left behind: \(hidden)")
        }
    }

    /// Sizes around the smallest read (32 KiB), the read sizes (256 KiB on a near link, 2 MiB
    /// before the round trip is known) and the bytes kept in flight by a write (2.1 MB), both ways:
    /// once with the far link's reads, once after a bigger file has measured the link as near.
    @Test(arguments: [false, true])
    func sizesAroundBufferBoundariesAreExact(near: Bool) throws {
        let remote = TestSSHServer.scratch("sizes-remote")
        let local = TestSSHServer.scratch("sizes-local")
        let sizes = [
            0, 1, 32_767, 32_768, 32_769, 262_143, 262_144, 262_145, 2_097_151, 2_097_152, 2_097_153, 2_099_999,
            2_100_000, 2_100_001,
        ]
        var script = ""
        if near {
            writeRandomFile(remote + "/first", bytes: 5 << 20)
            script += "get \(remote)/first first\n"
        }
        for size in sizes {
            writeRandomFile(remote + "/d\(size)", bytes: size)
            writeRandomFile(local + "/u\(size)", bytes: size)
            script += "get \(remote)/d\(size) d\(size)\nput u\(size) \(remote)/u\(size)\n"
        }
        let result = server.batch(script, in: local, extra: ["-v"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stderr.contains("reads of 256 KiB") == near, "\(result.stderr)")
        for size in sizes {
            #expect(checksum(local + "/d\(size)") == checksum(remote + "/d\(size)"), "get of \(size) bytes")
            #expect(checksum(remote + "/u\(size)") == checksum(local + "/u\(size)"), "put of \(size) bytes")
        }
    }

    /// A file of 4 GiB + 1 byte, mostly a hole with data on both sides of the 2 GiB and 4 GiB marks,
    /// both ways in two streams: offsets past 32 bits, a part boundary near 2 GiB, the last byte alone.
    @Test func aFilePastFourGiBIsExactBothWays() throws {
        let remote = TestSSHServer.scratch("huge-remote")
        let local = TestSSHServer.scratch("huge-local")
        defer { Shell.sh("rm -rf '\(remote)' '\(local)'") }
        let size: UInt64 = (4 << 30) + 1
        for path in [remote + "/huge", local + "/huge-up"] {
            Shell.sh("truncate -s \(size) '\(path)'")
            for mebibyte in [0, 2047, 2048, 4095] {
                Shell.sh(
                    "head -c 1048576 /dev/urandom | dd of='\(path)' bs=1M seek=\(mebibyte) conv=notrunc status=none")
            }
            Shell.sh("printf z | dd of='\(path)' bs=1 seek=\(size - 1) conv=notrunc status=none")
        }
        let result = server.batch(
            "get \(remote)/huge huge\nput huge-up \(remote)/huge-up\n", in: local,
            extra: ["-v", "--streams", "2", "--connections", "2"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stderr.contains("huge: 2 streams"), "\(result.stderr)")
        for (copy, original) in [(local + "/huge", remote + "/huge"), (remote + "/huge-up", local + "/huge-up")] {
            let copied = (try? FileManager.default.attributesOfItem(atPath: copy)[.size] as? UInt64) ?? 0
            #expect(copied == size, "\(copy)")
            #expect(checksum(copy) == checksum(original), "\(copy)")
        }
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

    @Test func ctrlCStopsEveryStreamAndLeavesNothing() throws {
        let remote = TestSSHServer.scratch("split-interrupt-remote")
        let local = TestSSHServer.scratch("split-interrupt-local")
        writeRandomFile(remote + "/big", bytes: 64 << 20)
        // Each connection brings at most 4 MB/s: the four streams take seconds, Ctrl-C comes first.
        let slow = try Relay(to: server, ["slow:4000000"], knownHostsIn: local)
        try "get \(remote)/big big\n".write(toFile: local + "/pull.scr", atomically: true, encoding: .utf8)
        let arguments = ["-batch", "-v", "-b", "pull.scr", "--streams", "4"] + slow.options
        // Ctrl-C once the streams write into the split file.
        let result = FerryBinary.interrupted(
            when: .file(local + "/.big.ferry-*", atLeast: 1), arguments, directory: local)
        #expect(result.stdout.contains("STATUS=130"), "\(result.stdout)")
        #expect(result.stdout.contains("big: 4 streams"), "\(result.stdout)")
        let seconds = result.stdout.split(separator: "SECONDS=").last.flatMap { Int($0.prefix { $0.isNumber }) } ?? 99
        #expect(seconds < 10, "\(result.stdout)")
        let left = try FileManager.default.contentsOfDirectory(atPath: local).filter {
            $0.hasPrefix(".") || $0 == "big"
        }
        #expect(left.isEmpty, "left behind: \(left)")
    }
}
