import FerryCore
import Foundation

/// The console of one host in a run over many hosts: keeps what the host printed (up to a limit) and,
/// when asked, passes each complete line on as it comes.
final class HostConsole: Console {
    let label: String
    let observer: any FleetObserver
    let streams: Bool
    let limit: Int
    private(set) var output = ""
    /// What remote commands printed and what went wrong, without Ferry's own notices (which name
    /// host-specific paths): hosts with the same of this are grouped by `--gather`.
    private(set) var essentials = ""
    private var kept = 0
    private var truncated = false
    private var partial = ["", ""]
    /// Where transfer progress is counted, for the run's live count.
    var meter: HostMeter?

    init(label: String, observer: any FleetObserver, streams: Bool, limit: Int) {
        self.label = label
        self.observer = observer
        self.streams = streams
        self.limit = limit
    }

    func print(_ line: String) { pass(line + "\n", isError: false, essential: false) }

    func report(_ line: String) { pass(line + "\n", isError: true, essential: true) }

    func stream(_ text: String, isError: Bool) { pass(text, isError: isError, essential: true) }

    private func pass(_ text: String, isError: Bool, essential: Bool) {
        keep(text, essential: essential)
        guard streams else { return }
        let slot = isError ? 1 : 0
        var pending = partial[slot] + text
        while let newline = pending.firstIndex(of: "\n") {
            observer.line(String(pending[..<newline]), from: label, isError: isError)
            pending = String(pending[pending.index(after: newline)...])
        }
        partial[slot] = pending
    }

    /// Passes on a last line that had no newline.
    func flush() {
        for (slot, text) in partial.enumerated() where !text.isEmpty {
            observer.line(text, from: label, isError: slot == 1)
        }
        partial = ["", ""]
    }

    private func keep(_ text: String, essential: Bool) {
        guard !truncated else { return }
        let size = text.utf8.count
        if kept + size > limit {
            output += "[output after \(limit) bytes not kept]\n"
            essentials += "[output after \(limit) bytes not kept]\n"
            truncated = true
            return
        }
        output += text
        if essential { essentials += text }
        kept += size
    }

    func progress(_ status: TransferProgress) {
        // A many-file transfer's line counts all its files; a file's own counts that file.
        meter?.record(status.name, bytes: status.bytes)
    }
    func endProgress() {}
}
