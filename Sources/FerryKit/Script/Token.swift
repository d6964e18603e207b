/// One word of a command line, with where it started.
public struct Token: Equatable, Sendable {
    /// The word with quoting removed.
    public var text: String
    /// The column of the word's first character, from 1.
    public var column: Int
    /// Whether any part of the word was quoted (a quoted word is never an option).
    public var wasQuoted: Bool
}

/// Splits a command line into words as psftp does.
///
/// Words are separated by spaces or tabs; double quotes group a word, and inside quotes `""`
/// stands for one literal quote. Backslashes are kept (wildcard escapes).
public enum Tokenizer {
    /// Why a line could not be split.
    public struct Failure: Error, Equatable {
        public var column: Int
        public var message: String
    }

    /// The words of `line`.
    public static func split(_ line: String) throws(Failure) -> [Token] {
        var tokens: [Token] = []
        let chars = Array(line)
        var index = 0
        while index < chars.count {
            while index < chars.count, chars[index] == " " || chars[index] == "\t" { index += 1 }
            guard index < chars.count else { break }
            let start = index
            var text = ""
            var quoted = false
            var inQuotes = false
            var quoteStart = 0
            while index < chars.count {
                let c = chars[index]
                if inQuotes {
                    if c == "\"" {
                        if index + 1 < chars.count, chars[index + 1] == "\"" {
                            text.append("\"")
                            index += 2
                            continue
                        }
                        inQuotes = false
                    } else {
                        text.append(c)
                    }
                } else if c == " " || c == "\t" {
                    break
                } else if c == "\"" {
                    inQuotes = true
                    quoted = true
                    quoteStart = index
                } else {
                    text.append(c)
                }
                index += 1
            }
            if inQuotes { throw Failure(column: quoteStart + 1, message: "unterminated quote") }
            tokens.append(Token(text: text, column: start + 1, wasQuoted: quoted))
        }
        return tokens
    }

    /// Quotes `word` so that `split` gives it back unchanged.
    public static func quote(_ word: String) -> String {
        if !word.isEmpty, !word.contains(where: { $0 == " " || $0 == "\t" || $0 == "\"" }) { return word }
        return "\"" + word.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}
