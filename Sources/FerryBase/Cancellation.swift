import Foundation
import Synchronization

/// One "stop now" for a command, or for everything one host does in a run over many hosts.
///
/// There are two strengths of stopping:
/// - ``interrupt()`` (Ctrl-C) and ``terminate(signal:)`` (SIGTERM, SIGHUP) *ask*. Transfers, `run` and
///   multi-file jobs look at ``isCancelled`` between steps and stop where nothing is half-written, so an
///   open connection stays usable. Only sockets that are still connecting are shut down, since a
///   handshake has nothing worth keeping.
/// - ``cut(timedOut:)`` *insists*. Every registered socket is shut down, so whatever libssh2 call is
///   blocked on one returns an error at once (a host past its time limit, a server that stopped
///   answering).
///
/// Every socket a connection makes is registered as it is made, including those of jump hosts and of
/// the transfer pool's extra connections, and leaves the list just before its descriptor is closed,
/// under the same lock, so a descriptor number reused elsewhere is never touched. Code that waits
/// wakes on the event instead of polling: ``wakeDescriptor`` becomes readable, for `poll`, and
/// ``onCancel(_:)`` handlers run.
///
/// All methods may be called from any thread.
public final class Cancellation: Sendable {
    private struct Socket {
        var descriptor: Int32
        var connecting: Bool
    }

    private struct State {
        var interrupted = false
        var terminationSignal: Int32?
        var isCut = false
        var timedOut = false
        var child: pid_t = 0
        var next = 0
        var sockets: [Int: Socket] = [:]
        var handlers: [Int: @Sendable () -> Void] = [:]
        var deadline: ContinuousClock.Instant?
        /// A limit whose clock starts at ``startClock()``, and when it started.
        var pendingLimit: Double?
        var clockStarted: Date?
        var woken = false
        /// The wake pipe, made the first time somebody wants to wait on it: a run over thousands of
        /// hosts holds a token per host, and descriptors should grow with the hosts running, not
        /// with the hosts listed.
        var wakeEnds: (read: Int32, write: Int32)?
    }

    private let state = Mutex(State())

    /// Creates a token that has not been cancelled.
    public init() {}

    deinit {
        state.withLock { state in
            guard let ends = state.wakeEnds else { return }
            if ends.read >= 0 { close(ends.read) }
            if ends.write >= 0 { close(ends.write) }
        }
    }

    /// The wake pipe's ends, made now if need be (both -1 when the system has no descriptor to spare).
    private func wakeEndsLocked(_ state: inout State) -> (read: Int32, write: Int32) {
        if let ends = state.wakeEnds { return ends }
        var ends: [Int32] = [-1, -1]
        if pipe(&ends) == 0 {
            for end in ends {
                _ = fcntl(end, F_SETFD, FD_CLOEXEC)
                _ = fcntl(end, F_SETFL, O_NONBLOCK)
            }
        } else {
            ends = [-1, -1]
        }
        let made = (read: ends[0], write: ends[1])
        state.wakeEnds = made
        if state.woken, made.write >= 0 {
            var byte: UInt8 = 1
            _ = write(made.write, &byte, 1)
        }
        return made
    }

    // MARK: Asking and insisting

    /// Asks the running command to stop (Ctrl-C).
    public func interrupt() {
        let handlers = state.withLock { state in
            state.interrupted = true
            return stopLocked(&state, cutAll: false)
        }
        handlers.forEach { $0() }
    }

    /// Asks the running command to stop and Ferry to end after it, because `signal` (SIGTERM or SIGHUP)
    /// arrived. A local command running for `!` gets the same signal, as a shell's job would.
    public func terminate(signal: Int32) {
        let handlers = state.withLock { state in
            state.terminationSignal = signal
            if state.child > 0 { kill(state.child, signal) }
            return stopLocked(&state, cutAll: false)
        }
        handlers.forEach { $0() }
    }

    /// Stops at once: asks commands to stop and shuts down every registered socket, and any registered
    /// later. `timedOut` records that a time limit, not a person, did it.
    public func cut(timedOut: Bool = false) {
        let handlers = state.withLock { state in
            state.interrupted = true
            state.isCut = true
            if timedOut { state.timedOut = true }
            return stopLocked(&state, cutAll: true)
        }
        handlers.forEach { $0() }
    }

    private func stopLocked(_ state: inout State, cutAll: Bool) -> [@Sendable () -> Void] {
        for socket in state.sockets.values where cutAll || socket.connecting {
            shutdown(socket.descriptor, Int32(SHUT_RDWR))
        }
        if !state.woken {
            if let ends = state.wakeEnds, ends.write >= 0 {
                var byte: UInt8 = 1
                _ = write(ends.write, &byte, 1)
            }
            state.woken = true
        }
        return Array(state.handlers.values)
    }

    /// Forgets a Ctrl-C before the next command starts; a termination or a cut is never forgotten.
    public func clear() {
        state.withLock { state in
            guard !state.isCut, state.terminationSignal == nil else { return }
            state.interrupted = false
            if state.woken {
                if let ends = state.wakeEnds, ends.read >= 0 {
                    var buffer = [UInt8](repeating: 0, count: 16)
                    while read(ends.read, &buffer, buffer.count) > 0 {}
                }
                state.woken = false
            }
        }
    }

    // MARK: What happened

    /// Whether a stop was asked for (or insisted on) and not yet forgotten.
    public var isCancelled: Bool { state.withLock { $0.interrupted || $0.terminationSignal != nil || $0.isCut } }

    /// Whether ``cut(timedOut:)`` was called: the sockets are gone.
    public var isCut: Bool { state.withLock { $0.isCut } }

    /// Whether a time limit did the cutting.
    public var timedOut: Bool { state.withLock { $0.timedOut } }

    /// The signal that asked Ferry to end, if one did; it stays until Ferry exits.
    public var terminationSignal: Int32? { state.withLock { $0.terminationSignal } }

    /// How the stop is told in a script's last line: "interrupted", or "terminated by SIGTERM".
    public var stopReason: String {
        switch terminationSignal {
        case nil: "interrupted"
        case SIGTERM: "terminated by SIGTERM"
        case SIGHUP: "terminated by SIGHUP"
        case let signal?: "terminated by signal \(signal)"
        }
    }

    // MARK: Deadline

    /// Sets the moment after which ``cutIfOverdue()`` cuts.
    public func setDeadline(after seconds: Double) {
        let deadline = Self.instant(after: seconds)
        state.withLock { $0.deadline = deadline }
    }

    private static func instant(after seconds: Double) -> ContinuousClock.Instant {
        ContinuousClock.now.advanced(by: .milliseconds(Int64(seconds * 1000)))
    }

    /// Sets a limit of `seconds` whose clock starts at the first ``startClock()``: a host's time limit
    /// counts from when it gets a connection slot, not while it waits for one.
    public func setDeadline(startingLater seconds: Double) {
        state.withLock { $0.pendingLimit = seconds }
    }

    /// Starts the clock of a limit set with ``setDeadline(startingLater:)``; later calls change nothing.
    public func startClock() {
        state.withLock { state in
            guard state.clockStarted == nil else { return }
            state.clockStarted = Date()
            if let limit = state.pendingLimit { state.deadline = Self.instant(after: limit) }
        }
    }

    /// When ``startClock()`` was first called, if it was.
    public var clockStarted: Date? { state.withLock { $0.clockStarted } }

    /// Seconds until the deadline (never negative); nil when there is none.
    public var secondsLeft: Double? {
        guard let deadline = state.withLock({ $0.deadline }) else { return nil }
        return max(0, ContinuousClock.now.duration(to: deadline).inSeconds)
    }

    /// Cuts with `timedOut` when the deadline has passed; true if it did (now or before).
    @discardableResult
    public func cutIfOverdue() -> Bool {
        if isCut { return true }
        guard let left = secondsLeft, left <= 0 else { return false }
        cut(timedOut: true)
        return true
    }

    // MARK: Who gets told

    /// A descriptor that becomes readable once the token is cancelled, for `poll` alongside other
    /// descriptors; it stays readable until ``clear()``. Never read from it.
    public var wakeDescriptor: Int32 { state.withLock { wakeEndsLocked(&$0).read } }

    /// Waits `seconds`, or less when cancelled; returns whether it was cancelled.
    public func wait(seconds: Double) -> Bool {
        let end = ContinuousClock.now + .milliseconds(Int(seconds * 1000))
        while !isCancelled {
            let left = ContinuousClock.now.duration(to: end)
            if left <= .zero { return false }
            var wake = pollfd(fd: wakeDescriptor, events: Int16(POLLIN), revents: 0)
            _ = poll(&wake, 1, Int32(clamping: left.wholeMilliseconds + 1))
        }
        return true
    }

    /// Runs `handler` (on the cancelling thread, outside the lock) each time the token is cancelled;
    /// returns a key for ``removeHandler(_:)``.
    public func onCancel(_ handler: @escaping @Sendable () -> Void) -> Int {
        state.withLock { state in
            state.next += 1
            state.handlers[state.next] = handler
            return state.next
        }
    }

    /// Stops telling the handler registered under `key`.
    public func removeHandler(_ key: Int) {
        _ = state.withLock { $0.handlers.removeValue(forKey: key) }
    }

    /// Registers a socket that is still connecting; returns the key for ``settle(_:)`` and
    /// ``unregister(_:)``. A token that is already cancelled shuts it down at once.
    public func register(descriptor: Int32) -> Int {
        state.withLock { state in
            if state.isCut || state.interrupted || state.terminationSignal != nil {
                shutdown(descriptor, Int32(SHUT_RDWR))
            }
            state.next += 1
            state.sockets[state.next] = Socket(descriptor: descriptor, connecting: true)
            return state.next
        }
    }

    /// Marks a registered socket as carrying a finished connection: from now on only a cut shuts it.
    public func settle(_ key: Int) {
        state.withLock { $0.sockets[key]?.connecting = false }
    }

    /// Forgets a socket; call just before its descriptor is closed.
    public func unregister(_ key: Int) {
        _ = state.withLock { $0.sockets.removeValue(forKey: key) }
    }

    /// Notes the local command now running (0 when none), so a termination reaches it too.
    public func attach(child pid: pid_t) {
        state.withLock { state in
            state.child = pid
            if pid > 0, let signal = state.terminationSignal { kill(pid, signal) }
        }
    }
}
