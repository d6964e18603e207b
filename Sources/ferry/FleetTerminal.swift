import FerryCore
import FerryFleet
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
                write("\(position) \(Self.headline(result))\n", error: result.status != .ok)
            case .blocks:
                var text = "\(position) \(Self.headline(result))\n"
                var body = Substring(result.output)
                if body.hasSuffix("\n") { body = body.dropLast() }
                if !body.isEmpty {
                    for line in body.split(separator: "\n", omittingEmptySubsequences: false) {
                        text += "  " + line + "\n"
                    }
                }
                write(text, error: false)
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
        if mode == .gather {
            var groups: [(output: String, hosts: [String])] = []
            for result in results where result.status != .notStarted {
                if let index = groups.firstIndex(where: { $0.output == result.essentials }) {
                    groups[index].hosts.append(result.label)
                } else {
                    groups.append((result.essentials, [result.label]))
                }
            }
            for group in groups {
                let rule = String(repeating: "-", count: 16)
                var text = "\(rule)\n\(group.hosts.joined(separator: ",")) (\(group.hosts.count))\n\(rule)\n"
                text += group.output.isEmpty ? "(no output)\n" : group.output
                if !text.hasSuffix("\n") { text += "\n" }
                write(text, error: false)
            }
        }
        write(Self.table(results), error: false)
        if let reportPath { write("Report: \(reportPath)\n", error: false) }
    }

    static func headline(_ result: HostResult) -> String {
        let seconds = String(format: "%.1f s", result.duration)
        switch result.status {
        case .ok: return "\(result.label): ok (\(seconds))"
        case .notStarted: return "\(result.label): \(result.message ?? "not started")"
        default:
            // The message itself is in the host's output, just below.
            let what = result.status == .timedOut ? result.message : result.failedCommand.map { "at \($0)" }
            return "\(result.label): \(result.status.rawValue.uppercased()) (\(seconds))"
                + (what.map { " \($0)" } ?? "")
        }
    }

    /// One row a host, then the counts.
    static func table(_ results: [HostResult]) -> String {
        let width = max(4, results.map(\.label.count).max() ?? 4)
        var text =
            "host".padding(toLength: width, withPad: " ", startingAt: 0) + "  status       seconds  failed command\n"
        for result in results {
            let seconds = result.status == .notStarted ? "" : String(format: "%.1f", result.duration)
            var failed = result.failedCommand ?? ""
            if let message = result.message, result.status != .ok {
                failed += failed.isEmpty ? message : " (\(message))"
            }
            text +=
                result.label.padding(toLength: width, withPad: " ", startingAt: 0) + "  "
                + result.status.rawValue.padding(toLength: 11, withPad: " ", startingAt: 0)
                + String(repeating: " ", count: max(0, 9 - seconds.count)) + seconds
                + (failed.isEmpty ? "" : "  " + failed) + "\n"
        }
        var counts: [String: Int] = [:]
        for result in results { counts[result.status.rawValue, default: 0] += 1 }
        let order = ["ok", "failed", "timed-out", "interrupted", "not-started"]
        let parts = order.compactMap { key in counts[key].map { "\($0) \(key)" } }
        text += "\(results.count) host\(results.count == 1 ? "" : "s"): " + parts.joined(separator: ", ") + "\n"
        return text
    }

    private func drawStatus(_ state: inout State, _ counts: FleetCounts, force: Bool) {
        guard showsStatus, mode != .json else { return }
        let now = Date()
        guard force || now.timeIntervalSince(state.lastDraw) >= 0.2 else { return }
        state.lastDraw = now
        let text = "hosts: \(counts.done)/\(counts.total) done, \(counts.failed) failed, \(counts.running) running"
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
