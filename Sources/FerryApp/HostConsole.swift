import FerryCore
import FerryTransfer
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
    /// The unfinished last line of standard output and of standard error, as bytes.
    private var partial: [[UInt8]] = [[], []]
    /// The longest line passed on whole with `--stream`; a longer one goes on in pieces this long, so
    /// a line that never ends costs neither memory nor time beyond its size.
    static let longestLine = 64 * 1024
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
        // Each byte is looked at once: the unfinished line grows by appending, never by copying.
        for byte in text.utf8 {
            if byte == UInt8(ascii: "\n") {
                observer.line(String(decoding: partial[slot], as: UTF8.self), from: label, isError: isError)
                partial[slot].removeAll(keepingCapacity: true)
                continue
            }
            partial[slot].append(byte)
            if partial[slot].count >= Self.longestLine { passPiece(slot) }
        }
    }

    /// Passes on the first ``longestLine`` bytes of a line that goes on, cut where a character ends.
    private func passPiece(_ slot: Int) {
        var cut = partial[slot].count
        // Back off the bytes of a character the piece would split (UTF-8 continuation bytes).
        while cut > 0, partial[slot].count - cut < 4, partial[slot][cut - 1] & 0xC0 == 0x80 { cut -= 1 }
        if cut > 0, partial[slot][cut - 1] >= 0xC0 { cut -= 1 }
        if cut == 0 { cut = partial[slot].count }
        observer.line(String(decoding: partial[slot][..<cut], as: UTF8.self), from: label, isError: slot == 1)
        partial[slot].removeSubrange(..<cut)
    }

    /// Passes on a last line that had no newline.
    func flush() {
        for (slot, bytes) in partial.enumerated() where !bytes.isEmpty {
            observer.line(String(decoding: bytes, as: UTF8.self), from: label, isError: slot == 1)
        }
        partial = [[], []]
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
