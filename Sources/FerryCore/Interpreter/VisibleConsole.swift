import FerryBase
import FerryTransfer

/// A console that passes every line through ``ServerText/visible(_:)`` before the real one shows it.
///
/// The interpreter prints through one, so a name, path or message that came from a server reaches
/// the terminal (and a run's collected output) with its control characters shown rather than acted on,
/// whichever command printed it: a name holding a newline cannot forge a second line, nor an escape
/// sequence retitle or clear the terminal. Ferry's own lines are single lines without controls, so
/// they pass unchanged. Remote command output arrives through `stream`, already cleaned with its
/// lines kept.
final class VisibleConsole: Console {
    private let wrapped: any Console
    /// Hears every progress update (for `--events`), its name as the server sent it.
    var onProgress: ((TransferProgress) -> Void)?

    init(_ console: any Console) {
        wrapped = (console as? VisibleConsole)?.wrapped ?? console
    }

    func print(_ line: String) { wrapped.print(ServerText.visible(line)) }

    func report(_ line: String) { wrapped.report(ServerText.visible(line)) }

    func stream(_ text: String, isError: Bool) { wrapped.stream(text, isError: isError) }

    func progress(_ status: TransferProgress) {
        onProgress?(status)
        var shown = status
        shown.name = ServerText.visible(status.name)
        wrapped.progress(shown)
    }

    func endProgress() { wrapped.endProgress() }

    func endInterruptedCommand() { wrapped.endInterruptedCommand() }
}
