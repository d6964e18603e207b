import FerryBase
import FerryCore
import FerryLineEditor
import FerryTransfer
import Foundation

/// Standard output and error, with a one-line progress meter when standard output is a terminal.
final class TerminalConsole: Console {
    private let showsProgress = isatty(STDOUT_FILENO) == 1
    private var progressShown = false
    private var lastDraw = Date.distantPast
    /// The rate of the transfer shown, over the last few seconds.
    private var rate = RecentRate()
    private var currentName = ""

    func print(_ line: String) {
        endProgress()
        Swift.print(line)
        fflush(nil)
    }

    func report(_ line: String) {
        endProgress()
        fflush(nil)
        FileHandle.standardError.write(Data((line + "\n").utf8))
    }

    func stream(_ text: String, isError: Bool) {
        endProgress()
        if isError {
            fflush(nil)
            FileHandle.standardError.write(Data(text.utf8))
        } else {
            FileHandle.standardOutput.write(Data(text.utf8))
        }
    }

    func progress(_ status: TransferProgress) {
        guard showsProgress else { return }
        let now = Date()
        // A new file starts a new rate; the count of a many-file transfer (`3/40 files`) goes on.
        if status.name != currentName {
            if !(status.name.hasSuffix(" files") && currentName.hasSuffix(" files")) { rate.reset() }
            currentName = status.name
        }
        // The first update of a transfer is kept as where its rate starts, and drawn at once.
        guard rate.isEmpty || now.timeIntervalSince(lastDraw) >= 0.1 else { return }
        lastDraw = now
        rate.note(status.bytes, at: now)
        let perSecond = rate.perSecond(at: now, over: 0.05) ?? 0
        var line = "\(status.name)  \(ByteCount.text(Double(status.bytes)))"
        if let total = status.total, total > 0 {
            let percent = min(100, Int(Double(status.bytes) * 100 / Double(total)))
            line += " / \(ByteCount.text(Double(total)))  \(percent)%"
            if perSecond > 0, status.bytes < total {
                let remaining = Int(Double(total - status.bytes) / perSecond)
                line += String(format: "  ETA %02d:%02d", remaining / 60, remaining % 60)
            }
        }
        line += "  \(ByteCount.text(perSecond))/s"
        if let cap = status.cap { line += " (capped at \(TransferRate.words(cap)))" }
        let width = LineEditor.terminalWidth()
        if line.count > width - 1 { line = String(line.suffix(width - 1)) }
        FileHandle.standardOutput.write(Data(("\r\u{1B}[K" + line).utf8))
        progressShown = true
    }

    func endInterruptedCommand() {
        if progressShown {
            endProgress()
        } else if isatty(STDIN_FILENO) == 1 {
            FileHandle.standardOutput.write(Data("\n".utf8))
        }
    }

    func endProgress() {
        guard progressShown else { return }
        progressShown = false
        currentName = ""
        rate.reset()
        FileHandle.standardOutput.write(Data("\r\u{1B}[K".utf8))
    }
}
