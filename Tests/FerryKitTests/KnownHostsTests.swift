import Foundation
import Testing

@testable import FerryKit

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
}
