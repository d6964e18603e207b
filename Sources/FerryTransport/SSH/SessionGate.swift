import FerryBase
import Foundation

/// A cap on the SSH connections this process has open at once (`--max-sessions`, 64 by default).
///
/// `--parallel` hosts times `--connections` per host could otherwise open hundreds of sessions from
/// one controller, more than most sshd `MaxStartups` settings and most file-descriptor limits allow.
/// A connection holds one ``Slot`` from before its first socket until it closes; one made through
/// jump hosts holds one slot for the whole chain. A first connection waits for a free slot (and stops
/// waiting when its cancellation fires); the transfer pool's extra connections only take slots that
/// are free at once, so a pool never waits for itself.
public final class SessionGate: @unchecked Sendable {
    /// The gate every connection in this process goes through.
    public static let shared = SessionGate(limit: 64)

    private let condition = NSCondition()
    private var capacity: Int
    private var open = 0

    /// Creates a gate that lets `limit` connections be open at once.
    public init(limit: Int) {
        capacity = max(1, limit)
    }

    /// How many connections may be open at once; lowering it closes nothing already open.
    public var limit: Int {
        get { condition.withLock { capacity } }
        set {
            condition.withLock {
                capacity = max(1, newValue)
                condition.broadcast()
            }
        }
    }

    /// Connections open now.
    public var inUse: Int { condition.withLock { open } }

    /// Waits for a free slot; nil when `cancellation` fires first.
    public func acquire(cancellation: Cancellation?, waiting: (Int) -> Void = { _ in }) -> Slot? {
        let key = cancellation?.onCancel { [condition] in condition.withLock { condition.broadcast() } }
        defer { if let key { cancellation?.removeHandler(key) } }
        condition.lock()
        defer { condition.unlock() }
        var told = false
        while open >= capacity {
            if cancellation?.isCancelled == true { return nil }
            if !told {
                waiting(capacity)
                told = true
            }
            condition.wait()
        }
        if cancellation?.isCancelled == true { return nil }
        open += 1
        return Slot(gate: self)
    }

    /// Up to `count` slots that are free now, without waiting.
    public func acquireFree(upTo count: Int) -> [Slot] {
        let granted = condition.withLock {
            let granted = max(0, min(count, capacity - open))
            open += granted
            return granted
        }
        return (0..<granted).map { _ in Slot(gate: self) }
    }

    fileprivate func release() {
        condition.withLock {
            open -= 1
            condition.signal()
        }
    }

    /// The right to keep one connection open; given back by ``release()`` or when released from memory.
    public final class Slot: @unchecked Sendable {
        private var gate: SessionGate?

        fileprivate init(gate: SessionGate) { self.gate = gate }

        /// Gives the slot back; later calls do nothing.
        public func release() {
            gate?.release()
            gate = nil
        }

        deinit { release() }
    }
}
