/// Supplies lines to the interactive prompt; a terminal implementation adds editing and history.
public protocol LineReader: AnyObject {
    /// Shows `prompt` and returns the next line, or nil at end of input (Ctrl-D).
    func readLine(prompt: String) -> String?
}

extension Interpreter {
    /// The `ferry>` prompt: reads, parses and runs lines until `bye` or end of input.
    ///
    /// Errors are printed and the prompt continues. Returns 0, or the class of the last failure when
    /// `keepStatus` is set (so a piped session still reports trouble).
    public func runPrompt(reader: any LineReader, keepStatus: Bool = false) -> Int32 {
        var status: Int32 = 0
        while let text = reader.readLine(prompt: "ferry> ") {
            let parsed: ScriptLine?
            do {
                parsed = try ScriptParser.parseLine(text)
            } catch {
                console.report("error: \(error.message)")
                if keepStatus { status = FailureClass.usage.exitStatus }
                continue
            }
            guard let line = parsed else { continue }
            do {
                if try execute(line.command) == .quit { break }
            } catch {
                console.report(error.message)
                if keepStatus, !line.ignoresFailure { status = error.failureClass.exitStatus }
            }
        }
        return status
    }
}
