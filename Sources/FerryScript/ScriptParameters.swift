/// The values a script's `${NAME}`, `$1`…`$9` and `${env:NAME}` stand for: `-D NAME=VALUE`, the words
/// after `--` on the command line, and the environment.
///
/// A reference is replaced where the line is read, inside quotes too, and its value is always part of
/// one word, whatever it holds (spaces and quotes in a value never split or end a word). `$$` is one
/// literal `$`; a `$` followed by anything else stays as written, so names such as `C$` or `a$b` need
/// no escape. A name that has no value is an error at its line and column, before anything connects.
///
/// The command text of `run` and `!` goes to a shell, which has its own `$` syntax (`awk '{print $1}'`,
/// `echo $$`): there only the braced forms `${NAME}`, `${env:NAME}` and `${1}`…`${9}` are replaced,
/// `$${` stands for a literal `${`, and everything else reaches the shell as written.
public struct ScriptParameters: Equatable, Sendable {
    /// The `-D NAME=VALUE` definitions.
    public var named: [String: String]
    /// The words after `--`: `$1` is the first.
    public var positional: [String]
    /// What `${env:NAME}` reads.
    public var environment: [String: String]

    /// Parameters with the given values; none by default.
    public init(named: [String: String] = [:], positional: [String] = [], environment: [String: String] = [:]) {
        self.named = named
        self.positional = positional
        self.environment = environment
    }

    /// Why a reference could not be replaced: the column is counted from 1 within the text given.
    public struct Failure: Error, Equatable, Sendable {
        public var column: Int
        public var message: String
    }

    /// Whether `name` can be defined with `-D`: a letter or `_`, then letters, digits and `_`.
    public static func isValidName(_ name: Substring) -> Bool {
        guard let first = name.first, first.isASCII, first.isLetter || first == "_" else { return false }
        return name.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_") }
    }

    /// Reads `NAME=VALUE` as `-D` takes it.
    public static func definition(_ text: String) -> (name: String, value: String)? {
        guard let equals = text.firstIndex(of: "="), isValidName(text[..<equals]) else { return nil }
        return (String(text[..<equals]), String(text[text.index(after: equals)...]))
    }

    /// `text`, a command line for a shell (`run`, `!`), with its braced references replaced.
    public func expandForShell(_ text: Substring) throws(Failure) -> String {
        var result = ""
        var index = text.startIndex
        while index < text.endIndex {
            let rest = text[index...]
            if rest.hasPrefix("$${") {
                result += "${"
                index = text.index(index, offsetBy: 3)
            } else if rest.hasPrefix("${") {
                let (value, next) = try reference(in: text, at: index)
                result += value
                index = next
            } else {
                result.append(text[index])
                index = text.index(after: index)
            }
        }
        return result
    }

    /// The value of the reference starting with the `$` at `index` in `text`, and where the text after
    /// it starts. A `$` that starts no reference stands for itself. Columns in failures count from the
    /// start of the whole string `text` is part of.
    public func reference(
        in text: Substring, at index: String.Index
    ) throws(Failure) -> (value: String, next: String.Index) {
        let column = text.base.distance(from: text.base.startIndex, to: index) + 1
        let after = text.index(after: index)
        guard after < text.endIndex else { return ("$", after) }
        let next = text[after]
        if next == "$" { return ("$", text.index(after: after)) }
        if let digit = next.wholeNumberValue, next.isASCII, digit >= 1 {
            return (try argument(digit, column: column), text.index(after: after))
        }
        guard next == "{" else { return ("$", after) }
        let nameStart = text.index(after: after)
        guard let close = text[nameStart...].firstIndex(of: "}") else {
            throw Failure(column: column, message: "'${' is not closed with '}' (write $$ for a literal $)")
        }
        let name = text[nameStart..<close]
        let end = text.index(after: close)
        if name.hasPrefix("env:") {
            let variable = name.dropFirst(4)
            guard Self.isValidName(variable) else {
                throw Failure(
                    column: column, message: "'${\(name)}': '\(variable)' is not an environment variable name")
            }
            guard let value = environment[String(variable)] else {
                throw Failure(column: column, message: "environment variable \(variable) is not set")
            }
            return (value, end)
        }
        if let number = Int(name), number >= 1, name.allSatisfy(\.isASCII) {
            return (try argument(number, column: column), end)
        }
        guard Self.isValidName(name) else {
            throw Failure(
                column: column,
                message:
                    "'${\(name)}' is not a parameter: use ${NAME}, ${env:NAME} or $1..$9 (write $$ for a literal $)")
        }
        guard let value = named[String(name)] else {
            throw Failure(
                column: column,
                message: "parameter \(name) is not defined (give it with -D \(name)=VALUE, or write $${\(name)} for"
                    + " the text itself)")
        }
        return (value, end)
    }

    /// The `number`th word after `--`.
    func argument(_ number: Int, column: Int) throws(Failure) -> String {
        guard number <= positional.count else {
            let given =
                positional.isEmpty ? "no arguments were given after --" : "only \(positional.count) given after --"
            throw Failure(column: column, message: "argument $\(number) is not set (\(given))")
        }
        return positional[number - 1]
    }
}
