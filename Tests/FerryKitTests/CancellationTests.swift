import Foundation
import Synchronization
import Testing

@testable import FerryBase
@testable import FerryTransport

@Suite("Cancellation and the session cap")
struct CancellationTests {
    /// A connected pair of sockets; the first end is what a connection would register.
    func socketPair() -> (Int32, Int32) {
        var ends: [Int32] = [-1, -1]
        _ = socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0, &ends)
        return (ends[0], ends[1])
    }

    /// Whether `descriptor` has been shut down (a read sees end of file at once).
    func isShutDown(_ descriptor: Int32) -> Bool {
        var pfd = pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)
        guard poll(&pfd, 1, 0) == 1 else { return false }
        var byte: UInt8 = 0
        return recv(descriptor, &byte, 1, Int32(MSG_DONTWAIT)) == 0
    }

    @Test func ctrlCShutsOnlySocketsStillConnecting() {
        let token = Cancellation()
        let (settled, settledPeer) = socketPair()
        let (connecting, connectingPeer) = socketPair()
        defer { [settled, settledPeer, connecting, connectingPeer].forEach { close($0) } }
        token.settle(token.register(descriptor: settled))
        _ = token.register(descriptor: connecting)
        token.interrupt()
        #expect(token.isCancelled && !token.isCut)
        #expect(isShutDown(connecting))
        #expect(!isShutDown(settled))
        token.clear()
        #expect(!token.isCancelled)
    }

    @Test func aCutShutsEverySocketAndIsNeverForgotten() {
        let token = Cancellation()
        let (settled, peer) = socketPair()
        defer { [settled, peer].forEach { close($0) } }
        token.settle(token.register(descriptor: settled))
        token.cut(timedOut: true)
        #expect(isShutDown(settled))
        token.clear()
        #expect(token.isCancelled && token.isCut && token.timedOut)
        // A socket registered after the cut is shut at once.
        let (late, latePeer) = socketPair()
        defer { [late, latePeer].forEach { close($0) } }
        _ = token.register(descriptor: late)
        #expect(isShutDown(late))
    }

    @Test func anUnregisteredDescriptorIsLeftAlone() {
        let token = Cancellation()
        let (reused, peer) = socketPair()
        defer { [reused, peer].forEach { close($0) } }
        token.unregister(token.register(descriptor: reused))
        token.cut()
        #expect(!isShutDown(reused))
    }

    @Test func waitersWakeOnTheEventAndHandlersRun() {
        let token = Cancellation()
        var pfd = pollfd(fd: token.wakeDescriptor, events: Int16(POLLIN), revents: 0)
        #expect(poll(&pfd, 1, 0) == 0)
        let told = Mutex(0)
        let key = token.onCancel { told.withLock { $0 += 1 } }
        token.interrupt()
        #expect(poll(&pfd, 1, 0) == 1)
        #expect(told.withLock { $0 } == 1)
        token.clear()
        #expect(poll(&pfd, 1, 0) == 0)
        token.removeHandler(key)
        token.interrupt()
        #expect(told.withLock { $0 } == 1)
    }

    @Test func theDeadlineCutsOnlyOncePassed() {
        let token = Cancellation()
        #expect(!token.cutIfOverdue())
        token.setDeadline(after: 60)
        #expect(!token.cutIfOverdue())
        token.setDeadline(after: 0)
        #expect(token.cutIfOverdue())
        #expect(token.timedOut)
    }

    /// A limit set to start later has no deadline until the clock starts, and the clock starts once.
    @Test func aLaterLimitCountsFromTheFirstStartOfTheClock() throws {
        let token = Cancellation()
        token.setDeadline(startingLater: 0)
        #expect(token.secondsLeft == nil && token.clockStarted == nil)
        #expect(!token.cutIfOverdue())
        token.startClock()
        let started = try #require(token.clockStarted)
        #expect(token.cutIfOverdue() && token.timedOut)

        let later = Cancellation()
        later.setDeadline(startingLater: 60)
        later.startClock()
        let first = try #require(later.clockStarted)
        later.startClock()
        #expect(later.clockStarted == first && first >= started)
        #expect((later.secondsLeft ?? 0) > 59 && !later.cutIfOverdue())
    }

    @Test func theGateCapsOpenConnections() {
        let gate = SessionGate(limit: 2)
        let first = gate.acquire(cancellation: nil)
        let extra = gate.acquireFree(upTo: 3)
        #expect(first != nil && extra.count == 1 && gate.inUse == 2)
        extra[0].release()
        extra[0].release()
        #expect(gate.inUse == 1)
        #expect(gate.acquireFree(upTo: 3).count == 1)  // released at once: the slots were not kept
        #expect(gate.inUse == 1)
    }

    @Test func aWaitForTheGateEndsWhenCancelled() {
        let gate = SessionGate(limit: 1)
        let held = gate.acquire(cancellation: nil)
        let token = Cancellation()
        let done = DispatchSemaphore(value: 0)
        let result = Mutex<Bool?>(nil)
        Thread {
            let slot = gate.acquire(cancellation: token)
            result.withLock { $0 = slot != nil }
            done.signal()
        }.start()
        #expect(done.wait(timeout: .now() + 0.2) == .timedOut)
        token.interrupt()
        #expect(done.wait(timeout: .now() + 5) == .success)
        #expect(result.withLock { $0 } == false)
        held?.release()
        #expect(gate.inUse == 0)
    }
}
