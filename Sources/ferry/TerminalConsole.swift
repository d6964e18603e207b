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
    /// Recent (time, bytes) of the transfer shown, for its rate over the last few seconds.
    private var samples: [(time: Date, bytes: UInt64)] = []
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
            if !(status.name.hasSuffix(" files") && currentName.hasSuffix(" files")) { samples = [] }
            currentName = status.name
        }
        // The first update of a transfer is kept as where its rate starts, and drawn at once.
        guard samples.isEmpty || now.timeIntervalSince(lastDraw) >= 0.1 else { return }
        lastDraw = now
        samples.append((now, status.bytes))
        while samples.count > 2, let first = samples.first, now.timeIntervalSince(first.time) > 3 {
            samples.removeFirst()
        }
        let rate = Self.rate(samples, now: now)
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

    /// Bytes a second over `samples` (the bytes of the first sample were already there when it was
    /// taken, so they do not count); 0 until there is something to measure.
    static func rate(_ samples: [(time: Date, bytes: UInt64)], now: Date) -> Double {
        guard let first = samples.first, let last = samples.last, last.bytes >= first.bytes else { return 0 }
        let seconds = now.timeIntervalSince(first.time)
        return seconds > 0.05 ? Double(last.bytes - first.bytes) / seconds : 0
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
        samples = []
        FileHandle.standardOutput.write(Data("\r\u{1B}[K".utf8))
    }
}
