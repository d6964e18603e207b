import Foundation
import Testing

@testable import FerryTransport

@Suite("known_hosts")
struct KnownHostsTests {
    let keyA = Data([0, 0, 0, 11] + Array("ssh-ed25519".utf8) + [0, 0, 0, 4, 1, 2, 3, 4])
    let keyB = Data([0, 0, 0, 11] + Array("ssh-ed25519".utf8) + [0, 0, 0, 4, 9, 9, 9, 9])

    func hostKey(_ blob: Data) -> HostKey { HostKey(blob: blob, libssh2Type: 6) }

    @Test func matchesPlainPortAndWildcardEntries() {
        let text = """
            # comment
            db1,db1.example.org ssh-ed25519 \(keyA.base64EncodedString())
            [db2]:2222 ssh-ed25519 \(keyA.base64EncodedString())
            *.internal,!bad.internal ssh-ed25519 \(keyA.base64EncodedString())
            """
        let file = KnownHosts(path: "kh", text: text)
        #expect(file.verdict(host: "db1", port: 22, key: hostKey(keyA)) == .match(line: 2))
        #expect(file.verdict(host: "DB1.example.org", port: 22, key: hostKey(keyA)) == .match(line: 2))
        #expect(file.verdict(host: "db2", port: 2222, key: hostKey(keyA)) == .match(line: 3))
        #expect(file.verdict(host: "db2", port: 22, key: hostKey(keyA)) == .unknown)
        #expect(file.verdict(host: "web.internal", port: 22, key: hostKey(keyA)) == .match(line: 4))
        #expect(file.verdict(host: "bad.internal", port: 22, key: hostKey(keyA)) == .unknown)
        #expect(file.verdict(host: "db1", port: 22, key: hostKey(keyB)) == .changed(line: 2))
    }

    @Test func matchesHashedEntries() {
        // |1|salt|HMAC-SHA1(salt, "[127.0.0.1]:2222"), computed with OpenSSH's ssh-keygen -H.
        let salt = Data((0..<20).map { UInt8($0) })
        let hash = Digest.hmacSHA1(key: salt, message: Data("[127.0.0.1]:2222".utf8))
        let line =
            "|1|\(salt.base64EncodedString())|\(hash.base64EncodedString()) ssh-ed25519 \(keyA.base64EncodedString())"
        let file = KnownHosts(path: "kh", text: line)
        #expect(file.verdict(host: "127.0.0.1", port: 2222, key: hostKey(keyA)) == .match(line: 1))
        #expect(file.verdict(host: "127.0.0.2", port: 2222, key: hostKey(keyA)) == .unknown)
        #expect(file.keyTypes(host: "127.0.0.1", port: 2222) == ["ssh-ed25519"])
    }

    @Test func revokedKeysAreRefused() {
        let file = KnownHosts(path: "kh", text: "@revoked * ssh-ed25519 \(keyA.base64EncodedString())")
        #expect(file.verdict(host: "any", port: 22, key: hostKey(keyA)) == .revoked(line: 1))
    }

    @Test func aRevocationWinsWhereverItStands() {
        let accept = "db1 ssh-ed25519 \(keyA.base64EncodedString())"
        let revoke = "@revoked db1 ssh-ed25519 \(keyA.base64EncodedString())"
        let before = KnownHosts(path: "kh", text: [accept, revoke].joined(separator: "\n"))
        #expect(before.verdict(host: "db1", port: 22, key: hostKey(keyA)) == .revoked(line: 2))
        let after = KnownHosts(path: "kh", text: [revoke, accept].joined(separator: "\n"))
        #expect(after.verdict(host: "db1", port: 22, key: hostKey(keyA)) == .revoked(line: 1))
        // Revoking key A says nothing about key B.
        #expect(before.verdict(host: "db1", port: 22, key: hostKey(keyB)) == .changed(line: 1))
        // A revocation filed under a hashed name counts too.
        let salt = Data((0..<20).map { UInt8($0) })
        let hash = Digest.hmacSHA1(key: salt, message: Data("db1".utf8))
        let hashed =
            "@revoked |1|\(salt.base64EncodedString())|\(hash.base64EncodedString()) ssh-ed25519 \(keyA.base64EncodedString())"
        let file = KnownHosts(path: "kh", text: [accept, hashed].joined(separator: "\n"))
        #expect(file.verdict(host: "db1", port: 22, key: hostKey(keyA)) == .revoked(line: 2))
        #expect(file.verdict(host: "db2", port: 22, key: hostKey(keyA)) == .unknown)
    }

    @Test func aLineWithAnotherMarkerNeitherTrustsNorRevokes() {
        let text = """
            @REVOKED db1 ssh-ed25519 \(keyA.base64EncodedString())
            @trusted db2 ssh-ed25519 \(keyA.base64EncodedString())
            @cert-authority db3 ssh-ed25519 \(keyA.base64EncodedString())
            db4 ssh-ed25519 \(keyA.base64EncodedString())
            """
        let file = KnownHosts(path: "kh", text: text)
        #expect(file.verdict(host: "db1", port: 22, key: hostKey(keyA)) == .unknown)
        #expect(file.verdict(host: "db2", port: 22, key: hostKey(keyA)) == .unknown)
        #expect(file.verdict(host: "db3", port: 22, key: hostKey(keyA)) == .unknown)
        #expect(file.verdict(host: "db4", port: 22, key: hostKey(keyA)) == .match(line: 4))
        #expect(file.unknownMarkers.map(\.line) == [1, 2])
        #expect(file.unknownMarkers.map(\.marker) == ["@REVOKED", "@trusted"])
        #expect(file.keyTypes(host: "db1", port: 22).isEmpty)
    }

    @Test func appendsEntriesThatMatchLater() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("kh-\(UUID().uuidString)")
        let path = folder.appendingPathComponent("known_hosts").path
        defer { try? FileManager.default.removeItem(at: folder) }
        try KnownHosts.append(host: "db9", port: 2200, key: hostKey(keyA), to: path)
        let file = try KnownHosts(path: path)
        #expect(file.verdict(host: "db9", port: 2200, key: hostKey(keyA)) == .match(line: 1))
    }

    @Test func pinsAcceptSHA256AndMD5Forms() {
        let key = hostKey(keyA)
        #expect(key.matches(pin: key.sha256Fingerprint))
        #expect(key.matches(pin: "ssh-ed25519 255 \(key.sha256Fingerprint)"))
        #expect(key.matches(pin: key.md5Fingerprint))
        #expect(key.matches(pin: "MD5:" + key.md5Fingerprint.uppercased()))
        #expect(!key.matches(pin: hostKey(keyB).sha256Fingerprint))
    }

    @Test func linesThatAreNotUTF8AreLeftOutAlone() throws {
        var data = Data("# Gr\u{FC}\u{DF}e\n".utf8)
        data += Data([0x23, 0x20, 0x4D, 0xFC, 0x6C, 0x6C, 0x65, 0x72, 0x0A])  // "# Müller" in Latin-1
        data += Data("db1 ssh-ed25519 \(keyA.base64EncodedString()) comment-".utf8) + Data([0xE9, 0x0A])
        data += Data([0x64, 0x62, 0xFF]) + Data(" ssh-ed25519 \(keyB.base64EncodedString())\n".utf8)
        data += Data("db2 ssh-ed25519 \(keyB.base64EncodedString())\r\n".utf8)
        let file = KnownHosts(path: "kh", data: data)
        #expect(file.unreadableLines == [4])
        #expect(file.verdict(host: "db1", port: 22, key: hostKey(keyA)) == .match(line: 3))
        #expect(file.verdict(host: "db2", port: 22, key: hostKey(keyB)) == .match(line: 5))
    }

    @Test(.enabled(if: getuid() == 0, "changing a file's owner needs root"))
    func storingThroughASymbolicLinkKeepsTheLinkModeAndOwner() throws {
        let folder = try scratchFolder("kh-link")
        defer { try? FileManager.default.removeItem(atPath: folder) }
        try FileManager.default.createDirectory(atPath: folder + "/real", withIntermediateDirectories: true)
        let real = folder + "/real/known_hosts"
        let link = folder + "/known_hosts"
        try "db1 ssh-ed25519 \(keyB.base64EncodedString())".write(toFile: real, atomically: false, encoding: .utf8)
        #expect(chmod(real, 0o600) == 0)
        #expect(chown(real, 1000, 1000) == 0)
        try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: real)
        try KnownHosts.append(host: "db9", port: 2200, key: hostKey(keyA), to: link)
        #expect(try FileManager.default.destinationOfSymbolicLink(atPath: link) == real)
        var info = stat()
        #expect(stat(real, &info) == 0)
        #expect(info.st_mode & 0o777 == 0o600)
        #expect(info.st_uid == 1000 && info.st_gid == 1000)
        let text = try String(contentsOfFile: real, encoding: .utf8)
        #expect(
            text
                == "db1 ssh-ed25519 \(keyB.base64EncodedString())\n[db9]:2200 ssh-ed25519 \(keyA.base64EncodedString())\n"
        )
    }

    @Test func storesAtTheSameMomentAllLandOnceEach() throws {
        let folder = try scratchFolder("kh-race")
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let path = folder + "/known_hosts"
        let key = hostKey(keyA)
        // Forty stores at once: twenty hosts, each stored twice.
        DispatchQueue.concurrentPerform(iterations: 40) { index in
            try? KnownHosts.append(host: "host\(index % 20)", port: 22, key: key, to: path)
        }
        let lines = try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n")
        #expect(lines.count == 20)
        #expect(Set(lines.map { $0.split(separator: " ")[0] }) == Set((0..<20).map { "host\($0)"[...] }))
    }

    func hashedName(_ name: String, salt: UInt8) -> String {
        let salt = Data((0..<20).map { UInt8($0) &+ salt })
        let hash = Digest.hmacSHA1(key: salt, message: Data(name.utf8))
        return "|1|\(salt.base64EncodedString())|\(hash.base64EncodedString())"
    }

    /// What the file says about `name`'s key, worked out by reading every line as OpenSSH does.
    func everyLineVerdict(_ file: KnownHosts, _ name: String, _ key: HostKey) -> KnownHosts.Verdict {
        let matching = file.entries.filter {
            $0.marker != "@cert-authority" && KnownHosts.matches($0.hostPatterns, name)
        }
        if let revoked = matching.first(where: { $0.marker == "@revoked" && $0.key == key.blob }) {
            return .revoked(line: revoked.line)
        }
        let sameType = matching.filter { $0.marker == nil && $0.keyType == key.algorithm }
        if let match = sameType.first(where: { $0.key == key.blob }) { return .match(line: match.line) }
        return sameType.first.map { .changed(line: $0.line) } ?? .unknown
    }

    @Test func theIndexAgreesWithReadingEveryLine() {
        let a = keyA.base64EncodedString()
        let b = keyB.base64EncodedString()
        let text = """
            db1,DB1.example.org ssh-ed25519 \(a)
            db1 ssh-ed25519 \(b)
            [db2]:2222,db3 ssh-ed25519 \(b)
            *.internal,!bad.internal ssh-ed25519 \(a)
            web?.internal ssh-ed25519 \(b)
            \(hashedName("db3", salt: 1)) ssh-ed25519 \(a)
            \(hashedName("[db2]:2222", salt: 2)) ssh-ed25519 \(a)
            @revoked db4 ssh-ed25519 \(a)
            db4,db5 ssh-ed25519 \(a)
            @cert-authority *.internal ssh-ed25519 \(b)
            \\db6 ssh-ed25519 \(a)
            """
        let file = KnownHosts(path: "kh", text: text)
        let hosts: [(String, Int)] = [
            ("db1", 22), ("DB1.EXAMPLE.ORG", 22), ("db2", 2222), ("db2", 22), ("db3", 22), ("web1.internal", 22),
            ("bad.internal", 22), ("x.internal", 22), ("db4", 22), ("db5", 22), ("db6", 22), ("nowhere", 22),
            ("[db2]", 2222),
        ]
        for (host, port) in hosts {
            let name = KnownHosts.hostEntryName(host: host, port: port)
            for key in [hostKey(keyA), hostKey(keyB)] {
                #expect(
                    file.verdict(host: host, port: port, key: key) == everyLineVerdict(file, name, key),
                    "\(host):\(port)")
            }
        }
        #expect(file.verdict(host: "db1", port: 22, key: hostKey(keyB)) == .match(line: 2))
        #expect(file.verdict(host: "db3", port: 22, key: hostKey(keyA)) == .match(line: 6))
        #expect(file.verdict(host: "db4", port: 22, key: hostKey(keyA)) == .revoked(line: 8))
        #expect(file.keyTypes(host: "db2", port: 2222) == ["ssh-ed25519"])
    }

    /// The reused HMAC context gives OpenSSL's one-shot HMAC-SHA1 for every key length (shorter
    /// than a block, a block, longer, which is hashed first) and message, one call after another.
    @Test func theReusedHMACContextAgreesWithOneShotHMAC() {
        let hmac = Digest.HMACSHA1()
        for keyLength in [0, 1, 20, 63, 64, 65, 200] {
            for messageLength in [0, 1, 12, 64, 300] {
                let key = (0..<keyLength).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ keyLength) }
                let message = (0..<messageLength).map { UInt8(truncatingIfNeeded: $0 &* 7 &+ messageLength) }
                let expected = Digest.hmacSHA1(key: Data(key), message: Data(message))
                #expect(
                    hmac.code(key: key, message: message).map { Data($0) } == expected, "\(keyLength) \(messageLength)")
            }
        }
    }

    @Test func eachHashedEntryIsComparedOnceAHost() {
        let lines = (0..<50).map {
            "\(hashedName("host\($0)", salt: UInt8($0))) ssh-ed25519 \(keyA.base64EncodedString())"
        }
        let file = KnownHosts(path: "kh", text: lines.joined(separator: "\n"))
        // A connection asks twice: which key types to prefer, then whether the key is known.
        #expect(file.keyTypes(host: "host7", port: 22) == ["ssh-ed25519"])
        #expect(file.verdict(host: "host7", port: 22, key: hostKey(keyA)) == .match(line: 8))
        #expect(file.hashComparisons == 50)
        #expect(file.verdict(host: "host8", port: 22, key: hostKey(keyB)) == .changed(line: 9))
        #expect(file.hashComparisons == 100)
    }

    @Test func aRunReadsEachFileOnceAndAgainWhenItChanges() throws {
        let folder = try scratchFolder("kh-once")
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let path = folder + "/known_hosts"
        try "db1 ssh-ed25519 \(keyA.base64EncodedString())\n".write(toFile: path, atomically: false, encoding: .utf8)
        let files = KnownHostsFiles()
        for _ in 0..<100 {
            #expect(try files.file(at: path).verdict(host: "db1", port: 22, key: hostKey(keyA)) == .match(line: 1))
        }
        #expect(files.reads == 1)
        // A key stored (by this run or another) is seen at the next look.
        try KnownHosts.append(host: "db2", port: 22, key: hostKey(keyB), to: path)
        #expect(try files.file(at: path).verdict(host: "db2", port: 22, key: hostKey(keyB)) == .match(line: 2))
        #expect(files.reads == 2)
        // A file replaced by another of the same size is seen too.
        let replacement = folder + "/new"
        try "db1 ssh-ed25519 \(keyB.base64EncodedString())\ndb2 ssh-ed25519 \(keyB.base64EncodedString())\n".write(
            toFile: replacement, atomically: false, encoding: .utf8)
        #expect(rename(replacement, path) == 0)
        #expect(try files.file(at: path).verdict(host: "db1", port: 22, key: hostKey(keyA)) == .changed(line: 1))
        // A missing file holds nothing.
        #expect(try files.file(at: folder + "/absent").entries.isEmpty)
    }
}
