import Foundation
import Testing

@testable import FerryBase
@testable import FerryCore
@testable import FerryScript
@testable import FerryTransfer

/// `barrier` in one host's interpreter, with the other hosts stood in for by a gate that answers at
/// once; and `mv` onto a file, which a switch after a barrier relies on.
@Suite("Barrier and mv in the interpreter")
struct BarrierCommandTests {
    /// A gate that answers every wait with `verdict`, noting what it was asked.
    final class AnsweringGate: BarrierGate, @unchecked Sendable {
        let verdict: BarrierVerdict?
        private(set) var asked: [(line: Int, name: String?, failedBefore: Bool)] = []
        init(_ verdict: BarrierVerdict?) { self.verdict = verdict }
        func wait(atLine line: Int, name: String?, failedBefore: Bool, cancellation: Cancellation) -> BarrierVerdict? {
            asked.append((line, name, failedBefore))
            return verdict
        }
    }

    final class Lines: LineReader {
        var lines: [String]
        init(_ lines: [String]) { self.lines = lines }
        func readLine(prompt: String) -> String? { lines.isEmpty ? nil : lines.removeFirst() }
        func remember(_ line: String) {}
    }

    func script(_ text: String) throws -> Script { try ScriptParser.parse(text, file: "t.scr") }

    @Test func onOneHostABarrierIsPassedBy() throws {
        let host = try FakeHost()
        #expect(host.interpreter.run(try script("barrier\npwd\n"), options: BatchOptions()) == 0)
        #expect(host.interpreter.records.map(\.status) == [.ok, .ok])
    }

    @Test func atThePromptABarrierIsRefused() throws {
        let host = try FakeHost()
        _ = host.interpreter.runPrompt(reader: Lines(["barrier", "pwd"]))
        #expect(
            host.console.problems.contains("barrier: only a batch script run over many hosts waits at a barrier"),
            "\(host.console.problems)")
    }

    @Test func aHeldHostRunsNothingAfterTheBarrier() throws {
        let host = try FakeHost()
        let gate = AnsweringGate(.held(reason: "failure budget spent (1 of 3 hosts failed, budget 0)"))
        host.interpreter.settings.barrier = gate
        let status = host.interpreter.run(try script("pwd\nbarrier stage\nmkdir /switched\n"), options: BatchOptions())
        #expect(status == FailureClass.someHosts.exitStatus)
        #expect(host.interpreter.records.map(\.status) == [.ok, .held])
        #expect(
            host.interpreter.held
                == HeldAtBarrier(line: 2, name: "stage", reason: "failure budget spent (1 of 3 hosts failed, budget 0)")
        )
        #expect(host.tree.node("/switched") == nil)
        #expect(gate.asked.map(\.line) == [2] && gate.asked.first?.failedBefore == false)
    }

    @Test func aReleasedHostGoesOnAndSaysWhetherItFailedBefore() throws {
        let host = try FakeHost()
        let gate = AnsweringGate(.released(hosts: 3))
        host.interpreter.settings.barrier = gate
        let status = host.interpreter.run(
            try script("cd /nowhere\nbarrier\nmkdir /switched\n"), options: BatchOptions(keepGoing: true))
        #expect(status == FailureClass.transfer.exitStatus)
        #expect(host.interpreter.records.map(\.status) == [.failed, .ok, .ok])
        #expect(gate.asked.first?.failedBefore == true)
        #expect(host.tree.node("/switched") != nil)
    }

    @Test func aStoppedWaitIsAnInterruption() throws {
        let host = try FakeHost()
        host.interpreter.settings.barrier = AnsweringGate(nil)
        let status = host.interpreter.run(try script("barrier\npwd\n"), options: BatchOptions())
        #expect(status == FailureClass.interrupted.exitStatus)
        #expect(host.interpreter.records.map(\.status) == [.interrupted])
    }

    @Test func barrierNamesAreWordsOfSafeCharacters() throws {
        #expect(try script("barrier\n").lines.first?.command == .barrier(name: nil))
        #expect(try script("barrier stage-2.a_b\n").lines.first?.command == .barrier(name: "stage-2.a_b"))
        for bad in ["barrier a b", "barrier 'a;b'", "barrier " + String(repeating: "x", count: 65)] {
            #expect(throws: ScriptErrors.self) { try script(bad + "\n") }
        }
    }

    @Test func mvOntoAFileReplacesItAndOntoAFolderGoesInside() throws {
        let host = try FakeHost()
        host.tree.addFile("/srv/.app.new", Data("new".utf8))
        host.tree.addFile("/srv/app", Data("old".utf8))
        host.tree.addFolder("/srv/dir")
        try host.run("mv /srv/.app.new /srv/app")
        #expect(host.tree.files(under: "/srv")["app"] == Data("new".utf8))
        #expect(host.tree.node("/srv/.app.new") == nil)
        #expect(host.tree.node("/srv/.app.ferry-old") == nil)
        try host.run("mv /srv/app /srv/dir")
        #expect(host.tree.files(under: "/srv/dir")["app"] == Data("new".utf8))
    }
}
