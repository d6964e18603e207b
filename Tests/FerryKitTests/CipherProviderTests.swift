import CFerryCipher
import Foundation
import Testing

/// The bulk AES-CTR provider against OpenSSL's default provider: the same bytes for every call
/// pattern, counter wrap, re-key and duplicate.
@Suite("AES-CTR keystream provider")
struct CipherProviderTests {
    init() {
        #expect(ferry_ctr_install() == 1)
    }

    func random(_ count: Int, seed: inout SystemRandomNumberGenerator) -> [UInt8] {
        (0..<count).map { _ in UInt8.random(in: 0...255, using: &seed) }
    }

    /// Runs both providers over `input` and returns their outputs.
    func both(
        bits: Int32, key: [UInt8], iv: [UInt8], key2: [UInt8]? = nil, sizes: [Int], useCipher: Bool = true,
        encrypt: Bool = true, rekeyAt: Int = .max, dupAt: Int = .max, input: [UInt8]
    ) -> (ours: [UInt8], theirs: [UInt8]) {
        func run(_ provider: String) -> [UInt8] {
            var output = [UInt8](repeating: 0, count: input.count)
            let secondKey = key2 ?? key
            let ok = ferry_ctr_test_run(
                provider, bits, key, iv, secondKey, useCipher ? 1 : 0, encrypt ? 1 : 0, sizes, sizes.count,
                rekeyAt == .max ? Int.max : rekeyAt, dupAt == .max ? Int.max : dupAt, input, &output, input.count)
            #expect(
                ok == 1,
                "\(provider) failed (sizes \(sizes.prefix(6)), cipher \(useCipher), encrypt \(encrypt), rekey \(rekeyAt), dup \(dupAt))"
            )
            return output
        }
        return (run("ferryctr"), run("default"))
    }

    @Test(arguments: [Int32(128), 192, 256])
    func everyCallPatternGivesOpenSSLsBytes(bits: Int32) {
        var generator = SystemRandomNumberGenerator()
        let key = random(Int(bits) / 8, seed: &generator)
        let iv = random(16, seed: &generator)
        let input = random(300_000, seed: &generator)
        let patterns: [[Int]] = [
            [16],  // libssh2: one block per call
            [1],
            [5, 16, 32, 3, 250, 4096, 7],
            (0..<40).map { _ in Int.random(in: 0...20_000, using: &generator) },
            [100_000],  // long calls go straight through
            [16, 16, 16, 70_000, 16, 3],
            [5] + Array(repeating: 16, count: 2_000),  // blocks that straddle the end of the keystream made
        ]
        for sizes in patterns {
            for useCipher in [true, false] {
                let (ours, theirs) = both(
                    bits: bits, key: key, iv: iv, sizes: sizes, useCipher: useCipher, input: input)
                #expect(
                    ours == theirs, "sizes \(sizes.prefix(8)) cipher \(useCipher): \(firstDifference(ours, theirs))")
                #expect(ours != input, "nothing was encrypted")
            }
        }
    }

    /// Where two outputs first differ, for a short failure message (the arrays are too long to print).
    func firstDifference(_ a: [UInt8], _ b: [UInt8]) -> String {
        guard a.count == b.count else { return "lengths \(a.count) and \(b.count)" }
        guard let index = a.indices.first(where: { a[$0] != b[$0] }) else { return "equal" }
        return "first difference at byte \(index) of \(a.count)"
    }

    @Test func decryptionUndoesEncryption() {
        var generator = SystemRandomNumberGenerator()
        let key = random(32, seed: &generator)
        let iv = random(16, seed: &generator)
        let input = random(50_000, seed: &generator)
        let sealed = both(bits: 256, key: key, iv: iv, sizes: [16], input: input).ours
        let opened = both(bits: 256, key: key, iv: iv, sizes: [13, 16, 4000], encrypt: false, input: sealed)
        #expect(opened.ours == input, "\(firstDifference(opened.ours, input))")
        #expect(opened.theirs == input, "\(firstDifference(opened.theirs, input))")
    }

    @Test func theCounterWrapsAsOpenSSLsDoes() {
        var generator = SystemRandomNumberGenerator()
        let key = random(16, seed: &generator)
        let input = random(20_000, seed: &generator)
        let lowWord = [UInt8](repeating: 0x11, count: 12) + [0xFF, 0xFF, 0xFF, 0xF0]
        let everything = [UInt8](repeating: 0xFF, count: 15) + [0xF0]
        let key2 = random(16, seed: &generator)
        for iv in [lowWord, everything] {
            for sizes in [[16], [7, 9, 33], [20_000]] {
                let (ours, theirs) = both(bits: 128, key: key, iv: iv, sizes: sizes, input: input)
                #expect(ours == theirs, "iv \(iv.suffix(4)) sizes \(sizes): \(firstDifference(ours, theirs))")
            }
            // A re-key across the wrap continues the counter through it.
            let (ours, theirs) = both(
                bits: 128, key: key, iv: iv, key2: key2, sizes: [7, 16], rekeyAt: 3, input: input)
            #expect(ours == theirs, "iv \(iv.suffix(4)) rekey: \(firstDifference(ours, theirs))")
        }
    }

    @Test func aRekeyWithoutAnIVContinuesTheCounter() {
        var generator = SystemRandomNumberGenerator()
        let key = random(32, seed: &generator)
        let key2 = random(32, seed: &generator)
        let iv = random(16, seed: &generator)
        let input = random(60_000, seed: &generator)
        for sizes in [[16], [5, 16, 1000], [17]] {
            for rekeyAt in [1, 7, 300] {
                let (ours, theirs) = both(
                    bits: 256, key: key, iv: iv, key2: key2, sizes: sizes, rekeyAt: rekeyAt, input: input)
                #expect(ours == theirs, "sizes \(sizes) rekey at \(rekeyAt): \(firstDifference(ours, theirs))")
            }
        }
    }

    @Test func aDuplicateCarriesOnWhereTheOriginalWas() {
        var generator = SystemRandomNumberGenerator()
        let key = random(24, seed: &generator)
        let iv = random(16, seed: &generator)
        let input = random(80_000, seed: &generator)
        for sizes in [[16], [3, 5000]] {
            for dupAt in [1, 5, 200] {
                let (ours, theirs) = both(bits: 192, key: key, iv: iv, sizes: sizes, dupAt: dupAt, input: input)
                #expect(ours == theirs, "sizes \(sizes) dup at \(dupAt): \(firstDifference(ours, theirs))")
            }
        }
    }
}
