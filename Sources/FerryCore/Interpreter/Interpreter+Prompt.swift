import FerryScript
import FerryTransfer
import FerryTransport

/// Supplies lines to the interactive prompt; a terminal implementation adds editing and history.
public protocol LineReader: AnyObject {
    /// Shows `prompt` and returns the next line, or nil at end of input (Ctrl-D).
    func readLine(prompt: String) -> String?
    /// Keeps `line` in the history; only lines that hold no secret are offered.
    func remember(_ line: String)
}

extension LineReader {
    /// Readers without history forget every line.
    public func remember(_ line: String) {}
}

extension Interpreter {
    /// The `ferry>` prompt: reads, parses and runs lines until `bye` or end of input.
    ///
    /// Errors are printed and the prompt continues; Ctrl-C stops the running command only. Returns 0, or
    /// the class of the last failure when `keepStatus` is set (so a piped session still reports trouble).
    public func runPrompt(reader: any LineReader, keepStatus: Bool = false) -> Int32 {
        var status: Int32 = 0
        while let text = reader.readLine(prompt: "ferry> ") {
            if mayRemember(text) { reader.remember(text) }
            let parsed: ScriptLine?
            do {
                // As at psftp's prompt, a quote left open (Tab leaves one after a directory) ends the line.
                parsed = try ScriptParser.parseLine(text, closingOpenQuote: true, parameters: settings.parameters)
            } catch {
                console.report("error: \(error.message)")
                if keepStatus { status = FailureClass.usage.exitStatus }
                continue
            }
            guard let line = parsed else { continue }
            settings.cancellation.clear()
            defer {
                forgetListings()
                settings.cancellation.clear()
            }
            do {
                var reconnects = 0
                var resumed: [String] = []
                if try executeRetrying(line.command, reconnects: &reconnects, resumed: &resumed).flow == .quit { break }
            } catch {
                if error.failureClass == .interrupted { console.endInterruptedCommand() }
                console.report(error.message)
                if keepStatus, !line.ignoresFailure { status = error.failureClass.exitStatus }
            }
            // SIGTERM or SIGHUP: the command has stopped and cleaned up; now Ferry ends.
            if settings.cancellation.terminationSignal != nil { return settings.cancellation.exitStatus }
        }
        return status
    }

    /// Whether `line` may go into the history file: not blank, not typed with a leading space (the
    /// shells' way of keeping a line out), and holding none of the passwords or passphrases in use.
    public func mayRemember(_ line: String) -> Bool {
        guard !line.allSatisfy(\.isWhitespace), !line.hasPrefix(" ") else { return false }
        // Very short answers (a keyboard-interactive "y") would keep almost every line out.
        return !secrets.contains { $0.count >= 3 && line.contains($0) }
    }

    /// Every password and passphrase this run knows.
    var secrets: [String] {
        var found: [String] = []
        func add(_ options: ConnectOptions) {
            found += [options.auth.password, options.auth.passphrase, options.proxy?.password].compactMap { $0 }
            for jump in options.jumps { add(jump.options) }
        }
        add(settings.connect)
        switch connection?.recipe.credential {
        case .password(let password): found.append(password)
        case .key(_, let passphrase?): found.append(passphrase)
        case .keyboardInteractive(let answers): found += answers.flatMap { $0 }
        default: break
        }
        return found
    }
}
