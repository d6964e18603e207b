/// One command of a script, with where it came from.
///
/// Kept to 32 bytes (a script of millions of short lines is held whole before it runs).
public struct ScriptLine: Equatable, Sendable {
    private var storedLine: Int32
    /// Whether a leading `-` said this line's failure does not count.
    public var ignoresFailure: Bool
    /// The line as written, without a leading `-` and surrounding spaces (echoed by `-bc`).
    public var text: String
    /// The parsed command.
    public var command: Command

    /// The line number, from 1.
    public var line: Int {
        get { Int(storedLine) }
        set { storedLine = Int32(clamping: newValue) }
    }

    /// Creates a line.
    public init(line: Int, text: String, command: Command, ignoresFailure: Bool) {
        storedLine = Int32(clamping: line)
        self.ignoresFailure = ignoresFailure
        self.text = text
        self.command = command
    }
}

/// A parsed batch script.
public struct Script: Equatable, Sendable {
    /// The file name as the user gave it.
    public var file: String
    /// The commands, in order; blank and comment lines are left out.
    public var lines: [ScriptLine]

    /// The `barrier` lines, in order.
    public var barriers: [ScriptLine] {
        lines.filter {
            if case .barrier = $0.command { return true }
            return false
        }
    }

    /// Whether any line is a `barrier`.
    public var hasBarriers: Bool { !barriers.isEmpty }
}

/// Turns script text into typed commands, reporting every error in one pass.
public enum ScriptParser {
    /// Parses a whole script; throws ``ScriptErrors`` holding every problem found. With `parameters`,
    /// references such as `${NAME}` and `$1` are replaced as each line is read (see ``ScriptParameters``).
    public static func parse(
        _ text: String, file: String, parameters: ScriptParameters? = nil
    ) throws(ScriptErrors) -> Script {
        var lines: [ScriptLine] = []
        // At most one command a line: reserved once, the array is never copied while it grows.
        lines.reserveCapacity(text.utf8.reduce(1) { $1 == UInt8(ascii: "\n") ? $0 + 1 : $0 })
        var diagnostics: [Diagnostic] = []
        var number = 0
        // Lines are taken one at a time rather than split into an array first: a script's peak memory
        // is its commands, not also a copy of every line.
        var rest = Substring(text)
        while !rest.isEmpty || number == 0 {
            number += 1
            let end = rest.firstIndex(where: { $0 == "\n" || $0 == "\r\n" }) ?? rest.endIndex
            var content = String(rest[..<end])
            rest = end == rest.endIndex ? rest[end...] : rest[rest.index(after: end)...]
            if content.hasSuffix("\r") { content.removeLast() }
            do {
                if let line = try parseLine(content, number: number, parameters: parameters) { lines.append(line) }
            } catch let failure {
                diagnostics.append(
                    Diagnostic(file: file, line: number, column: failure.column, message: failure.message))
            }
        }
        if !diagnostics.isEmpty { throw ScriptErrors(diagnostics: diagnostics) }
        return Script(file: file, lines: lines)
    }

    /// Why one line could not be parsed.
    public struct Failure: Error, Equatable, Sendable {
        public var column: Int
        public var message: String
    }

    /// Parses one line; nil for a blank or comment line. `closingOpenQuote` accepts a quote left open
    /// (see ``Tokenizer/split(_:closingOpenQuote:parameters:)``).
    public static func parseLine(
        _ content: String, number: Int = 1, closingOpenQuote: Bool = false, parameters: ScriptParameters? = nil
    ) throws(Failure) -> ScriptLine? {
        let leading = content.prefix(while: { $0 == " " || $0 == "\t" }).count
        var body = Substring(content.dropFirst(leading))
        var offset = leading
        if body.isEmpty || body.hasPrefix("#") { return nil }
        var ignores = false
        if body.hasPrefix("-") {
            ignores = true
            body = body.dropFirst()
            offset += 1
            let spaces = body.prefix(while: { $0 == " " || $0 == "\t" }).count
            body = body.dropFirst(spaces)
            offset += spaces
            if body.isEmpty { throw Failure(column: offset, message: "'-' must be followed by a command") }
        }
        let text = String(body).trimmingTrailingWhitespace()
        let command = try parseCommand(
            text, columnOffset: offset, closingOpenQuote: closingOpenQuote, parameters: parameters)
        return ScriptLine(line: number, text: text, command: command, ignoresFailure: ignores)
    }

    /// Parses a command's text; columns in errors are shifted by `columnOffset`.
    static func parseCommand(
        _ text: String, columnOffset: Int, closingOpenQuote: Bool = false, parameters: ScriptParameters? = nil
    ) throws(Failure) -> Command {
        // `!` needs no space after it; `run` keeps the rest of its line as written, for a shell.
        let first = text.hasPrefix("!") ? "!" : String(text.prefix { $0 != " " && $0 != "\t" })
        if let spec = CommandSpec.named(first), case .line(let parse) = spec.syntax {
            guard let parameters else { return try parse(text, columnOffset) }
            let expanded: String
            do {
                expanded = try parameters.expandForShell(Substring(text))
            } catch {
                throw Failure(column: columnOffset + error.column, message: error.message)
            }
            return try parse(expanded, columnOffset)
        }
        let tokens: [Token]
        do {
            tokens = try Tokenizer.split(text, closingOpenQuote: closingOpenQuote, parameters: parameters)
        } catch {
            throw Failure(column: columnOffset + error.column, message: error.message)
        }
        guard let first = tokens.first else { throw Failure(column: columnOffset + 1, message: "empty command") }
        let name = first.text
        guard let spec = CommandSpec.named(name), case .words(let parser) = spec.syntax else {
            var message = "unknown command '\(name)'"
            if let guess = suggestion(for: name) { message += " (did you mean '\(guess)'?)" }
            throw Failure(column: columnOffset + first.column, message: message)
        }
        // Messages name the command as it was typed (`ls`, not `dir`).
        var arguments = Arguments(
            tokens: Array(tokens.dropFirst()), command: name,
            usage: name + spec.usage.dropFirst(spec.name.count), columnOffset: columnOffset, end: text.count + 1)
        return try arguments.parse(with: parser)
    }

    /// `!command`: the rest of the line, for /bin/sh.
    static func parseLocal(_ text: String, columnOffset: Int) throws(Failure) -> Command {
        let commandLine = String(text.dropFirst()).trimmingLeadingWhitespace()
        if commandLine.isEmpty {
            throw Failure(column: columnOffset + 1, message: "'!' needs a local command to run")
        }
        return .local(commandLine: commandLine)
    }

    /// `run [--timeout SECS] [-o NAME] command…`: options first, then the rest of the line as written.
    static func parseRun(_ text: String, columnOffset: Int) throws(Failure) -> Command {
        let usage = CommandSpec.named("run")?.usage ?? "run"
        let tokens: [Token]
        do {
            tokens = try Tokenizer.split(text)
        } catch {
            throw Failure(column: columnOffset + error.column, message: error.message)
        }
        var run = RemoteRun(command: "")
        var index = 1
        while index < tokens.count, !tokens[index].wasQuoted, tokens[index].text.hasPrefix("-") {
            let option = tokens[index]
            switch option.text {
            case "--timeout", "-t":
                guard index + 1 < tokens.count, let seconds = Int(tokens[index + 1].text), seconds > 0 else {
                    throw Failure(
                        column: columnOffset + option.column, message: "run: \(option.text) needs a number of seconds")
                }
                run.timeout = seconds
                index += 2
            case "-o":
                guard index + 1 < tokens.count else {
                    throw Failure(column: columnOffset + option.column, message: "run: -o needs a name")
                }
                let name = tokens[index + 1].text
                guard !name.isEmpty, !name.contains("/"), !name.hasPrefix(".") else {
                    throw Failure(
                        column: columnOffset + tokens[index + 1].column,
                        message: "run: -o takes a plain file name, not '\(name)'")
                }
                run.outputName = name
                index += 2
            case "--":
                index += 1
            default:
                throw Failure(
                    column: columnOffset + option.column,
                    message: "run: unknown option '\(option.text)' (usage: \(usage))")
            }
            if tokens.indices.contains(index - 1), tokens[index - 1].text == "--" { break }
        }
        guard index < tokens.count else {
            throw Failure(column: columnOffset + text.count + 1, message: "run: missing command (usage: \(usage))")
        }
        run.command = String(text.dropFirst(tokens[index].column - 1))
        return .run(run)
    }

    /// The closest known command name to `word`, if any is close enough to be a likely typo.
    public static func suggestion(for word: String) -> String? {
        closest(
            to: word.lowercased(), among: CommandSpec.allNames.filter { $0 != "!" },
            within: max(1, min(2, word.count / 3 + 1)))
    }

    /// The name in `names` nearest to `word`, if it is at most `within` edits away.
    package static func closest(to word: String, among names: [String], within limit: Int) -> String? {
        guard let best = names.map({ ($0, editDistance($0, word)) }).min(by: { $0.1 < $1.1 }), best.1 <= limit
        else { return nil }
        return best.0
    }

    /// Optimal string alignment distance: insertions, deletions, substitutions and adjacent swaps.
    static func editDistance(_ a: String, _ b: String) -> Int {
        let a = Array(a)
        let b = Array(b)
        if a.isEmpty || b.isEmpty { return max(a.count, b.count) }
        var twoBack = [Int](repeating: 0, count: b.count + 1)
        var previous = Array(0...b.count)
        for i in 1...a.count {
            var current = [i] + Array(repeating: 0, count: b.count)
            for j in 1...b.count {
                let cost = a[i - 1] == b[j - 1] ? 0 : 1
                current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
                if i > 1, j > 1, a[i - 1] == b[j - 2], a[i - 2] == b[j - 1] {
                    current[j] = min(current[j], twoBack[j - 2] + 1)
                }
            }
            twoBack = previous
            previous = current
        }
        return previous[b.count]
    }
}

extension String {
    func trimmingTrailingWhitespace() -> String {
        var copy = self
        while let last = copy.last, last == " " || last == "\t" { copy.removeLast() }
        return copy
    }

    func trimmingLeadingWhitespace() -> String {
        String(drop(while: { $0 == " " || $0 == "\t" }))
    }
}
