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
    private var started = Date()
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
        if status.name != currentName {
            currentName = status.name
            started = now
        }
        guard now.timeIntervalSince(lastDraw) >= 0.1 else { return }
        lastDraw = now
        let elapsed = max(now.timeIntervalSince(started), 0.001)
        let rate = Double(status.bytes) / elapsed
        var line = "\(status.name)  \(ByteCount.text(Double(status.bytes)))"
        if let total = status.total, total > 0 {
            let percent = min(100, Int(Double(status.bytes) * 100 / Double(total)))
            line += " / \(ByteCount.text(Double(total)))  \(percent)%"
            if rate > 0, status.bytes < total {
                let remaining = Int(Double(total - status.bytes) / rate)
                line += String(format: "  ETA %02d:%02d", remaining / 60, remaining % 60)
            }
        }
        line += "  \(ByteCount.text(rate))/s"
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
        FileHandle.standardOutput.write(Data("\r\u{1B}[K".utf8))
    }
}
