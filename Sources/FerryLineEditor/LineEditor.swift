internal import CLibEdit
import FerryBase
import FerryCore
import Foundation

/// Where the line editor hears of Ctrl-C, termination and terminal resizes while it waits for a key.
public protocol TerminalSignals: AnyObject, Sendable {
    /// Readable after each Ctrl-C, termination or resize.
    var wakeDescriptor: Int32 { get }
    /// Empties ``wakeDescriptor``.
    func drain()
    /// Whether the terminal changed size since the last call.
    func takeResize() -> Bool
    /// The cancellation Ctrl-C and termination raise.
    var cancellation: Cancellation { get }
}

/// The `ferry>` prompt on a terminal, edited with libedit (as OpenSSH's sftp is): Emacs keys by
/// default, `~/.editrc` honoured, history kept across runs, Tab completion, Ctrl-C that clears the line.
public final class LineEditor: LineReader {
    private let editLine: OpaquePointer
    private let history: OpaquePointer
    private let historyPath: String?
    private let watcher: (any TerminalSignals)?
    private var promptText: UnsafeMutablePointer<CChar>
    /// Completes the text before the cursor.
    public var complete: (String) -> Completion = { _ in .none }
    /// Called while waiting for a key (every `idleSeconds`), to keep the connection alive.
    public var idle: () -> Void = {}
    private let idleSeconds: Int32 = 15
    /// Set when Ctrl-C ended the line being read, so it is thrown away.
    private var cancelled = false
    private var decoder = mbstate_t()

    /// Sets up libedit on standard input and output; `historyPath` nil keeps no history file.
    public init?(historyPath: String?, watcher: (any TerminalSignals)?) {
        // libedit needs the user's character set to edit names beyond ASCII.
        if let locale = setlocale(LC_CTYPE, ""), ["C", "POSIX"].contains(String(cString: locale)) {
            setlocale(LC_CTYPE, "C.UTF-8")
        }
        guard let editLine = el_init("ferry", ferry_stdin(), ferry_stdout(), ferry_stderr()) else { return nil }
        guard let history = history_init() else {
            el_end(editLine)
            return nil
        }
        self.editLine = editLine
        self.history = history
        self.historyPath = historyPath
        self.watcher = watcher
        promptText = strdup("") ?? UnsafeMutablePointer<CChar>.allocate(capacity: 1)
        ferry_history_set_size(history, 1000)
        ferry_history_set_unique(history, 1)
        if let historyPath { ferry_history_load(history, historyPath) }

        ferry_el_set_client_data(editLine, Unmanaged.passUnretained(self).toOpaque())
        ferry_el_set_editor(editLine, "emacs")
        ferry_el_set_history(editLine, history)
        ferry_el_set_prompt(editLine) { el in LineEditor.owner(of: el)?.promptText }
        ferry_el_set_read_function(editLine) { el, character in
            guard let editor = LineEditor.owner(of: el), let character else { return -1 }
            return editor.readCharacter(into: character)
        }
        ferry_el_add_function(editLine, "ferry-complete", "complete a command, path or session name") { el, _ in
            LineEditor.owner(of: el)?.completeWord() ?? UInt8(FERRY_CC_ERROR)
        }
        ferry_el_add_function(editLine, "ferry-interrupt", "abandon the line") { el, _ in
            LineEditor.owner(of: el)?.abandonLine() ?? UInt8(FERRY_CC_ERROR)
        }
        ferry_el_bind(editLine, "^I", "ferry-complete")
        ferry_el_bind(editLine, "^C", "ferry-interrupt")
        // As in bash: Ctrl-R searches the history backwards, Ctrl-W deletes the word before the cursor.
        ferry_el_bind(editLine, "^R", "em-inc-search-prev")
        ferry_el_bind(editLine, "^W", "ed-delete-prev-word")
        el_source(editLine, nil)
    }

    deinit {
        el_end(editLine)
        history_end(history)
        free(promptText)
    }

    private static func owner(of editLine: OpaquePointer?) -> LineEditor? {
        guard let editLine, let data = ferry_el_client_data(editLine) else { return nil }
        return Unmanaged<LineEditor>.fromOpaque(data).takeUnretainedValue()
    }

    public func readLine(prompt: String) -> String? {
        free(promptText)
        promptText = strdup(prompt) ?? promptText
        // A Ctrl-C that stopped the last command has done its work.
        watcher?.drain()
        watcher?.cancellation.clear()
        while true {
            cancelled = false
            var count: Int32 = 0
            let line = el_gets(editLine, &count)
            if cancelled { continue }
            guard let line, count > 0 else {
                // Ctrl-D on an empty line: leave the shell's prompt on a line of its own.
                fputs("\n", ferry_stdout())
                fflush(ferry_stdout())
                return nil
            }
            var text = String(cString: line)
            if text.hasSuffix("\n") { text.removeLast() }
            return text
        }
    }

    public func remember(_ line: String) {
        ferry_history_enter(history, line)
        guard let historyPath else { return }
        let folder = (historyPath as NSString).deletingLastPathComponent
        try? FileManager.default.createDirectory(
            atPath: folder, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        // Another Ferry prompt may have added lines since this one started: under a lock, the line is
        // added to what the file holds now, rather than this prompt's own list written over it.
        let lock = open(historyPath + ".lock", O_WRONLY | O_CREAT | O_CLOEXEC, 0o600)
        if lock >= 0 { flock(lock, LOCK_EX) }
        defer { if lock >= 0 { close(lock) } }
        guard let merged = history_init() else { return }
        defer { history_end(merged) }
        ferry_history_set_size(merged, 1000)
        ferry_history_set_unique(merged, 1)
        ferry_history_load(merged, historyPath)
        ferry_history_enter(merged, line)
        // Written whole to a private temporary file and renamed, so a full disk never leaves half a
        // history file.
        let temporary = historyPath + ".\(getpid()).tmp"
        let descriptor = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else { return }
        guard let file = fdopen(descriptor, "w") else {
            close(descriptor)
            unlink(temporary)
            return
        }
        let saved = ferry_history_save(merged, file) >= 0
        if fclose(file) == 0, saved {
            rename(temporary, historyPath)
        } else {
            unlink(temporary)
        }
    }

    /// Gives libedit the next character: waits for a key, a Ctrl-C (handed over as ^C, which is bound
    /// to abandoning the line) or the idle interval.
    private func readCharacter(into character: UnsafeMutablePointer<wchar_t>) -> Int32 {
        while true {
            var waits = [pollfd(fd: STDIN_FILENO, events: Int16(POLLIN), revents: 0)]
            if let watcher { waits.append(pollfd(fd: watcher.wakeDescriptor, events: Int16(POLLIN), revents: 0)) }
            let ready = poll(&waits, nfds_t(waits.count), idleSeconds * 1000)
            if ready < 0 {
                if errno == EINTR { continue }
                return -1
            }
            if ready == 0 {
                idle()
                continue
            }
            if let watcher, waits.count > 1, waits[1].revents != 0 {
                watcher.drain()
                if watcher.takeResize() { el_resize(editLine) }
                // SIGTERM or SIGHUP: the prompt ends as at Ctrl-D, and Ferry with it.
                if watcher.cancellation.terminationSignal != nil { return 0 }
                if watcher.cancellation.isCancelled {
                    watcher.cancellation.clear()
                    character.pointee = 3
                    return 1
                }
            }
            guard waits[0].revents != 0 else { continue }
            var byte: CChar = 0
            let got = read(STDIN_FILENO, &byte, 1)
            if got == 0 { return 0 }
            if got < 0 {
                if errno == EINTR || errno == EAGAIN { continue }
                return -1
            }
            var wide: wchar_t = 0
            let used = mbrtowc(&wide, &byte, 1, &decoder)
            if used == -2 { continue }  // part of a multi-byte character
            if used == -1 {
                // Not valid in this character set: pass the byte on as it is.
                decoder = mbstate_t()
                wide = wchar_t(UInt8(bitPattern: byte))
            }
            character.pointee = wide
            return 1
        }
    }

    /// Tab: extends the word before the cursor, or lists what it could become.
    private func completeWord() -> UInt8 {
        guard let info = el_line(editLine)?.pointee, let buffer = info.buffer, let cursor = info.cursor else {
            return UInt8(FERRY_CC_ERROR)
        }
        let before = String(
            decoding: UnsafeRawBufferPointer(start: buffer, count: buffer.distance(to: cursor)), as: UTF8.self)
        let completion = complete(before)
        if completion.replacing > 0 || !completion.text.isEmpty {
            el_deletestr(editLine, Int32(completion.replacing))
            _ = el_insertstr(editLine, completion.text)
            return UInt8(FERRY_CC_REFRESH)
        }
        guard !completion.choices.isEmpty else { return UInt8(FERRY_CC_REFRESH_BEEP) }
        fputs("\n" + Self.columns(completion.choices, width: Self.terminalWidth()), ferry_stdout())
        fflush(ferry_stdout())
        return UInt8(FERRY_CC_REDISPLAY)
    }

    /// Ctrl-C at the prompt: shows ^C and starts a fresh line, as a shell does.
    private func abandonLine() -> UInt8 {
        cancelled = true
        fputs("^C\n", ferry_stdout())
        fflush(ferry_stdout())
        return UInt8(FERRY_CC_NEWLINE)
    }

    /// `names` in columns down the page, as `ls` lays them out.
    static func columns(_ names: [String], width: Int) -> String {
        let cell = (names.map(\.count).max() ?? 0) + 2
        let across = max(1, width / cell)
        let rows = (names.count + across - 1) / across
        var text = ""
        for row in 0..<rows {
            var line = ""
            for column in 0..<across {
                let index = column * rows + row
                guard index < names.count else { break }
                let name = names[index]
                let last = column == across - 1 || index + rows >= names.count
                line += last ? name : name.padding(toLength: cell, withPad: " ", startingAt: 0)
            }
            text += line + "\n"
        }
        return text
    }

    /// Columns of the terminal on standard output (80 when it is not one).
    public static func terminalWidth() -> Int {
        var size = winsize()
        if ioctl(STDOUT_FILENO, UInt(TIOCGWINSZ), &size) == 0, size.ws_col > 0 { return Int(size.ws_col) }
        return 80
    }
}
