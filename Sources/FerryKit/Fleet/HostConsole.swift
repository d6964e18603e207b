import Foundation

/// The console of one host in a run over many hosts: keeps what the host printed (up to a limit) and,
/// when asked, passes each complete line on as it comes.
final class HostConsole: Console {
    let label: String
    let observer: any FleetObserver
    let streams: Bool
    let limit: Int
    private(set) var output = ""
    private var kept = 0
    private var truncated = false
    private var partial = ["", ""]

    init(label: String, observer: any FleetObserver, streams: Bool, limit: Int) {
        self.label = label
        self.observer = observer
        self.streams = streams
        self.limit = limit
    }

    func print(_ line: String) { stream(line + "\n", isError: false) }

    func report(_ line: String) { stream(line + "\n", isError: true) }

    func stream(_ text: String, isError: Bool) {
        keep(text)
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

    private func keep(_ text: String) {
        guard !truncated else { return }
        let size = text.utf8.count
        if kept + size > limit {
            output += "[output after \(limit) bytes not kept]\n"
            truncated = true
            return
        }
        output += text
        kept += size
    }

    func progress(_ status: TransferProgress) {}
    func endProgress() {}
}
