import FerryApp
import FerryBase
import FerryCore
import FerryLineEditor
import Foundation
import Synchronization

/// What a run over many hosts shows: a live count on a terminal, each host's output (as blocks when
/// it finishes, as prefixed lines while it runs, or grouped at the end), then a table.
final class FleetTerminal: FleetObserver {
    enum Mode: Sendable {
        /// Each host's output as one block when the host finishes.
        case blocks
        /// Lines as they come, `host: line`.
        case stream
        /// Hosts with the same output together, at the end (as `clush -b`).
        case gather
        /// Nothing but the JSON report, at the end.
        case json
    }

    private struct State {
        var statusShown = false
        var lastDraw = Date.distantPast
        /// Bytes moved at recent draws, for the rate over the last few seconds.
        var rate = RecentRate()
    }

    let mode: Mode
    private let showsStatus = isatty(STDERR_FILENO) == 1
    private let state = Mutex(State())

    init(mode: Mode) { self.mode = mode }

    func line(_ text: String, from host: String, isError: Bool) {
        state.withLock { state in
            clearStatus(&state)
            write(host + ": " + text + "\n", error: isError)
        }
    }

    func finished(_ result: HostResult, counts: FleetCounts) {
        state.withLock { state in
            clearStatus(&state)
            let position = "[\(counts.done)/\(counts.total)]"
            switch mode {
            case .json, .gather:
                break
            case .stream:
                write("\(position) \(FleetSummary.headline(result))\n", error: result.status != .ok)
            case .blocks:
                write(FleetSummary.block(result, position: position), error: false)
            }
            drawStatus(&state, counts, force: true)
        }
    }

    func progress(_ counts: FleetCounts) {
        state.withLock { drawStatus(&$0, counts, force: false) }
    }

    /// The end of the run: grouped output, the table, where the report is; or the JSON.
    func finish(_ results: [HostResult], report: RunReport, reportPath: String?) {
        state.withLock { clearStatus(&$0) }
        if mode == .json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            if let data = try? encoder.encode(report) {
                write(String(decoding: data, as: UTF8.self) + "\n", error: false)
            }
            return
        }
        if mode == .gather { write(FleetSummary.gathered(results), error: false) }
        write(FleetSummary.table(results), error: false)
        if let reportPath { write("Report: \(reportPath)\n", error: false) }
    }

    private func drawStatus(_ state: inout State, _ counts: FleetCounts, force: Bool) {
        guard showsStatus, mode != .json else { return }
        let now = Date()
        guard force || now.timeIntervalSince(state.lastDraw) >= 0.2 else { return }
        state.lastDraw = now
        var text = "hosts: \(counts.done)/\(counts.total) done, \(counts.failed) failed, \(counts.running) running"
        if let wave = counts.wave, let waves = counts.waves { text = "wave \(wave)/\(waves), " + text }
        if counts.bytes > 0 {
            text += ", \(ByteCount.text(Double(counts.bytes))) moved"
            state.rate.note(counts.bytes, at: now)
            if let rate = state.rate.perSecond(at: now, over: 0.5) { text += " at \(ByteCount.text(rate))/s" }
            if let cap = counts.cap { text += " (run capped at \(cap.description))" }
        }
        if !counts.slowest.isEmpty {
            text +=
                "; slowest: "
                + counts.slowest.map { "\($0.label) \($0.seconds / 60)m\($0.seconds % 60)s" }.joined(separator: ", ")
        }
        let width = LineEditor.terminalWidth()
        if text.count > width - 1 { text = String(text.prefix(width - 1)) }
        FileHandle.standardError.write(Data(("\r\u{1B}[K" + text).utf8))
        state.statusShown = true
    }

    private func clearStatus(_ state: inout State) {
        guard state.statusShown else { return }
        FileHandle.standardError.write(Data("\r\u{1B}[K".utf8))
        state.statusShown = false
    }

    private func write(_ text: String, error: Bool) {
        (error ? FileHandle.standardError : FileHandle.standardOutput).write(Data(text.utf8))
    }
}
