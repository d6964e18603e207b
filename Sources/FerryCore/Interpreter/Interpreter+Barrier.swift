import FerryBase
import FerryScript
import FerryTransfer
import Foundation

extension Interpreter {
    /// `barrier [name]` on script line `line`: waits with the other hosts of the run, when there are
    /// any; on one host there is nothing to wait for.
    func barrier(_ name: String?, line: Int) throws(CommandFailure) -> CommandOutcome {
        let shown = "barrier" + (name.map { " \($0)" } ?? "")
        if settings.checkOnly {
            if settings.barrier != nil { console.print("check: would wait at \(shown) for every host") }
            return CommandOutcome()
        }
        guard let gate = settings.barrier else { return CommandOutcome() }
        let failedBefore = firstCountedFailure != nil
        emitBarrierEvent(.barrierReached, name: name, line: line)
        guard
            let verdict = gate.wait(
                atLine: line, name: name, failedBefore: failedBefore, cancellation: settings.cancellation)
        else {
            throw CommandFailure.interrupted(shown)
        }
        switch verdict {
        case .released:
            emitBarrierEvent(.barrierReleased, name: name, line: line)
            return CommandOutcome()
        case .held(let reason):
            emitBarrierEvent(.barrierHeld, name: name, line: line, message: reason)
            console.report("\(shown): held: \(reason)")
            held = HeldAtBarrier(line: line, name: name, reason: reason)
            return CommandOutcome(flow: .hold)
        }
    }

    private func emitBarrierEvent(_ kind: FerryEvent.Kind, name: String?, line: Int, message: String? = nil) {
        guard let events = settings.events else { return }
        var event = FerryEvent(kind, host: hostName)
        (event.line, event.barrier, event.message) = (line, name, message)
        events.emit(event)
    }
}

/// Where a host stopped because a barrier held it, and why.
public struct HeldAtBarrier: Sendable, Equatable {
    /// The script line of the barrier.
    public var line: Int
    /// The barrier's name, if it has one.
    public var name: String?
    /// Why the waiting hosts were held (the failure budget, with its figures).
    public var reason: String
}
