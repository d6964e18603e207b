import FerryBase
import Foundation

/// One host's caps and turn: the run's budget, the host's own cap (`--bwlimit-host`, its session's or
/// hosts file line's `bwlimit-host`) and the cap its script set last (`bwlimit`). Every cap that
/// applies holds: the lowest wins.
///
/// Shared by the host's main connection and its transfer pool's threads; every method may be called
/// from any of them.
package final class HostBandwidth: @unchecked Sendable {
    /// The run's budget, if the run has one.
    package let run: RunBandwidth?
    /// The host's cap from the command line, its session and its hosts file line, together.
    private var configured: BandwidthCaps
    private let condition = NSCondition()
    private var scriptCaps = BandwidthCaps.none
    private var buckets: [TransferDirection: TokenBucket] = [:]
    private var lanes: [TransferDirection: Int] = [:]
    private var busy = false

    /// A host's share of `run` (nil: no run cap), capped itself at `configured`.
    package init(run: RunBandwidth?, configured: BandwidthCaps = .none) {
        self.run = run
        self.configured = configured
        resetBuckets()
    }

    /// The host's cap from the command line, its session and its hosts file line, together.
    package var configuredCaps: BandwidthCaps { condition.withLock { configured } }

    /// The host's own caps (the configured ones and the script's), the lock held.
    private var ownCapsLocked: BandwidthCaps { configured.lowest(with: scriptCaps) }

    /// The caps in force for this host now, run and host together.
    package var caps: BandwidthCaps { condition.withLock { ownCapsLocked }.lowest(with: run?.caps) }

    /// Replaces the host's configured cap: a script's `open NAME` connects with that session's.
    package func setConfiguredCaps(_ caps: BandwidthCaps) {
        condition.withLock {
            configured = caps
            resetBucketsLocked()
        }
    }

    /// Sets the cap the script gives from its `bwlimit` line on (`.none`: the script's own cap is lifted;
    /// the others hold).
    package func setScriptCaps(_ caps: BandwidthCaps) {
        condition.withLock {
            scriptCaps = caps
            resetBucketsLocked()
        }
    }

    private func resetBuckets() { condition.withLock { resetBucketsLocked() } }

    private func resetBucketsLocked() {
        let caps = ownCapsLocked
        let now = Pace.now()
        buckets = [:]
        for direction in TransferDirection.allCases {
            if let rate = caps[direction] {
                buckets[direction] = TokenBucket(rate: rate, burst: Pace.burstSeconds, now: now)
            }
        }
    }

    /// A stream that moves bytes one way under the caps in force, or nil when none is. Its waits end
    /// when `cancellation` stops the host, and keep `connection` alive.
    package func open(_ direction: TransferDirection, cancellation: Cancellation, connection: any RemoteFileSystem)
        -> BandwidthLane?
    {
        guard caps[direction] != nil else { return nil }
        condition.withLock { lanes[direction, default: 0] += 1 }
        run?.count(direction, 1)
        return BandwidthLane(host: self, direction: direction, cancellation: cancellation, connection: connection)
    }

    fileprivate func close(_ direction: TransferDirection) {
        condition.withLock { lanes[direction, default: 0] -= 1 }
        run?.count(direction, -1)
    }

    /// One stream's share of the caps now, bytes a second: the host's cap over its streams or the
    /// run's over all the run's streams, whichever is less; nil when neither caps this way.
    fileprivate func share(_ direction: TransferDirection) -> Double? {
        let local: Double? = condition.withLock {
            ownCapsLocked[direction].map { Double($0) / Double(max(1, lanes[direction] ?? 0)) }
        }
        let total = run?.caps[direction].map { Double($0) / Double(max(1, run?.streams(direction) ?? 0)) }
        switch (local, total) {
        case (let local?, let total?): return min(local, total)
        case (let local?, nil): return local
        case (nil, let total): return total
        }
    }

    /// The piece reserved at a time: a sixty-fourth of a second of the cap, within 16 to 256 KiB.
    fileprivate func quantum(for direction: TransferDirection) -> Int {
        guard let rate = caps[direction] else { return Int.max }
        return Int(min(256 * 1024, max(16 * 1024, rate / 64)))
    }

    /// Waits until no other stream of this host is being paced, then takes the turn.
    fileprivate func takeTurn(cancellation: Cancellation, idle: () -> Void) -> Bool {
        condition.lock()
        defer { condition.unlock() }
        var lastIdle = Pace.now()
        while busy {
            if cancellation.isCancelled { return false }
            _ = condition.wait(until: Date().addingTimeInterval(0.2))
            if Pace.now() - lastIdle >= 1 {
                condition.unlock()
                idle()
                condition.lock()
                lastIdle = Pace.now()
            }
        }
        busy = true
        return true
    }

    fileprivate func endTurn() {
        condition.withLock {
            busy = false
            condition.signal()
        }
    }

    /// Reserves `bytes` from the host's own bucket; returns the seconds to wait.
    fileprivate func take(_ bytes: Int, _ direction: TransferDirection) -> Double {
        condition.withLock { buckets[direction]?.take(bytes, at: Pace.now()) ?? 0 }
    }
}

/// One stream's pacing, from ``HostBandwidth/open(_:)`` to ``close()``: it asks how much to move at a
/// time, and after moving bytes (before, for an upload) waits until the caps let them go.
///
/// Waiting is not a stall: no libssh2 call is open while it waits, so `--timeout` counts nothing, and
/// the connection gets a keepalive when one is due, every second of a long wait.
package final class BandwidthLane {
    private let host: HostBandwidth
    /// The way this stream's bytes go.
    package let direction: TransferDirection
    private let cancellation: Cancellation
    private let connection: any RemoteFileSystem
    private var closed = false

    fileprivate init(
        host: HostBandwidth, direction: TransferDirection, cancellation: Cancellation,
        connection: any RemoteFileSystem
    ) {
        self.host = host
        self.direction = direction
        self.cancellation = cancellation
        self.connection = connection
    }

    deinit { close() }

    /// What a stream should ask for at once under the caps: an eighth of a second of its share, so
    /// that what the streams keep in flight together stays under a second's worth of the cap;
    /// `size` or less, but not less than `minimum` (unless `size` is).
    package func limit(_ size: Int, minimum: Int) -> Int {
        guard let share = host.share(direction) else { return size }
        return min(size, max(minimum, Int(share / 8)))
    }

    /// Waits until `bytes` may count as moved; throws, naming `name`, when the host is stopped.
    package func pace(_ bytes: Int, name: String) throws(CommandFailure) {
        guard bytes > 0 else { return }
        let connection = connection
        let idle = { connection.keepAliveIfDue() }
        guard host.takeTurn(cancellation: cancellation, idle: idle) else { throw CommandFailure.interrupted(name) }
        defer { host.endTurn() }
        let quantum = host.quantum(for: direction)
        var left = bytes
        while left > 0 {
            let piece = min(left, quantum)
            try Pace.wait(host.take(piece, direction), name: name, cancellation: cancellation, idle: idle)
            try Pace.wait(
                host.run?.take(piece, direction) ?? 0, name: name, cancellation: cancellation, idle: idle)
            left -= piece
        }
    }

    /// Ends the stream (done by `deinit` too).
    package func close() {
        guard !closed else { return }
        closed = true
        host.close(direction)
    }
}
