import Foundation
import Testing

@testable import FerryBase
@testable import FerryTransfer

/// The rate bucket driven with made-up times, and rates as users write them.
@Suite("Token bucket")
struct TokenBucketTests {
    @Test func aNewBucketPacesFromTheFirstByte() {
        var bucket = TokenBucket(rate: 1000, burst: 0.25, now: 0)
        #expect(bucket.take(500, at: 0) == 0.5)
        // After a quiet spell it lets a quarter of a second go at once, no more.
        #expect(bucket.take(250, at: 10) == 0)
        #expect(bucket.take(100, at: 10) == 0.1)
    }

    @Test func aFullBucketLetsOneSecondGoAtOnceThenPacesTheRest() {
        var bucket = TokenBucket(rate: 1000, now: 0, full: true)
        #expect(bucket.take(1000, at: 0) == 0)
        #expect(bucket.take(500, at: 0) == 0.5)
        // Reservations queue: the next 500 wait behind the first.
        #expect(bucket.take(500, at: 0) == 1.0)
        #expect(bucket.take(100, at: 1.0) == 0.1)
    }

    @Test func overAnyWindowNoMoreThanTheBurstPlusTheRateGoes() {
        // Ten streams asking for 64 KiB each, as fast as they are let, for a minute of made-up time.
        var bucket = TokenBucket(rate: 4 << 20, now: 0, full: true)
        var readyAt = Array(repeating: 0.0, count: 10)
        var sent: [(time: Double, bytes: Int)] = []
        while let stream = readyAt.indices.min(by: { readyAt[$0] < readyAt[$1] }), readyAt[stream] < 60 {
            let now = readyAt[stream]
            let wait = bucket.take(65_536, at: now)
            sent.append((now + wait, 65_536))
            readyAt[stream] = now + wait
        }
        for start in stride(from: 0.0, to: 50, by: 2.5) {
            let inWindow = sent.filter { $0.time >= start && $0.time < start + 10 }.reduce(0) { $0 + $1.bytes }
            #expect(Double(inWindow) <= Double(4 << 20) * 11 + 65_536, "window from \(start): \(inWindow)")
            #expect(Double(inWindow) >= Double(4 << 20) * 10 * 0.95, "window from \(start): \(inWindow)")
        }
    }

    @Test func ratesReadAsRsyncAndRcloneReadThem() {
        #expect(TransferRate.parse("512K") == 524_288)
        #expect(TransferRate.parse("20M") == 20 << 20)
        #expect(TransferRate.parse("1G") == 1 << 30)
        #expect(TransferRate.parse("1.5M") == 1_572_864)
        #expect(TransferRate.parse("4096") == 4096)
        #expect(TransferRate.parse("0") == 0)
        #expect(TransferRate.parse("off") == 0)
        for bad in ["", "M", "-1M", "1.2.3K", "10X", "1e6", "fast", " 1M", "99999999999G"] {
            #expect(TransferRate.parse(bad) == nil, "\(bad)")
        }
    }

    @Test func capsReadBothWaysOrEachApartAndWriteBackAsRead() throws {
        #expect(BandwidthCaps("4M") == BandwidthCaps(down: 4 << 20, up: 4 << 20))
        #expect(BandwidthCaps("off") == BandwidthCaps.none)
        #expect(BandwidthCaps("up=1M,down=2M") == BandwidthCaps(down: 2 << 20, up: 1 << 20))
        #expect(BandwidthCaps("down=512K") == BandwidthCaps(down: 512 << 10, up: nil))
        #expect(BandwidthCaps("down=off,up=1G") == BandwidthCaps(down: nil, up: 1 << 30))
        for bad in ["", "4X", "down=", "sideways=1M", "down=1M,down=2M", "down=1M,", "1M,2M", "=1M"] {
            #expect(BandwidthCaps(bad) == nil, "\(bad)")
        }
        for text in ["4M", "off", "down=2M,up=1M", "down=512K", "up=1536K", "1000"] {
            #expect(try #require(BandwidthCaps(text)).text == text)
        }
        #expect(try #require(BandwidthCaps("4M")).description == "4 MiB/s")
        #expect(try #require(BandwidthCaps("down=1.5M,up=512K")).description == "1.5 MiB/s down, 512 KiB/s up")
        #expect(
            BandwidthCaps("down=4M")?.lowest(with: BandwidthCaps("2M")) == BandwidthCaps(down: 2 << 20, up: 2 << 20))
        #expect(BandwidthCaps("1M")?.lowest(with: BandwidthCaps.none) == BandwidthCaps("1M"))
    }
}
