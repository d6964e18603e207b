import Foundation
import Synchronization

/// Lets another thread cut a connection that is stuck inside a blocking libssh2 call.
///
/// The sockets a connection runs over are registered as they are made; ``fire()`` shuts them down, so
/// whatever call is waiting on them returns an error at once. A socket leaves the list before its
/// descriptor is closed, under the same lock, so a descriptor number reused by another connection is
/// never touched.
public final class ConnectionAbort: Sendable {
    private struct State {
        var fired = false
        var next = 0
        var descriptors: [Int: Int32] = [:]
    }

    private let state = Mutex(State())

    /// Creates an abort that has not fired.
    public init() {}

    /// Whether ``fire()`` has been called.
    public var hasFired: Bool { state.withLock { $0.fired } }

    /// Shuts down every registered socket, and any registered later.
    public func fire() {
        state.withLock { state in
            state.fired = true
            for descriptor in state.descriptors.values { shutdown(descriptor, Int32(SHUT_RDWR)) }
        }
    }

    /// Registers `socket` until it closes.
    func watch(_ socket: TCPSocket) {
        let descriptor = socket.descriptor
        guard descriptor >= 0 else { return }
        let token = state.withLock { state in
            if state.fired { shutdown(descriptor, Int32(SHUT_RDWR)) }
            state.next += 1
            state.descriptors[state.next] = descriptor
            return state.next
        }
        socket.beforeClose.append { [self] in
            _ = state.withLock { $0.descriptors.removeValue(forKey: token) }
        }
    }
}
