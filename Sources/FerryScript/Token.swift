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

    /// A word of a line that may still be being typed (Tab completion reads such lines).
    public struct PartialWord: Equatable, Sendable {
        /// The word with quoting removed.
        public var text: String
        /// Where the word sits in the line, quotes included.
        public var range: Range<String.Index>
        /// Whether any part of the word was quoted.
        public var wasQuoted: Bool
        /// Where a quote the line leaves open began.
        public var openQuote: String.Index?
    }

    /// The words of `line`. A quote left open is an error, unless `closingOpenQuote` lets it run to the
    /// end of the line as psftp does (the interactive prompt, where Tab leaves a directory's quote open).
    /// With `parameters`, references such as `${NAME}` and `$1` are replaced inside the words.
    public static func split(
        _ line: String, closingOpenQuote: Bool = false, parameters: ScriptParameters? = nil
    ) throws(Failure) -> [Token] {
        let found: [PartialWord]
        do {
            found = try scan(Substring(line), parameters: parameters)
        } catch {
            throw Failure(column: error.column, message: error.message)
        }
        if let open = found.last?.openQuote, !closingOpenQuote {
            throw Failure(column: line.distance(from: line.startIndex, to: open) + 1, message: "unterminated quote")
        }
        // Columns are counted on from the word before, so a line of many words is walked once.
        var column = 1
        var counted = line.startIndex
        return found.map {
            column += line.distance(from: counted, to: $0.range.lowerBound)
            counted = $0.range.lowerBound
            return Token(text: $0.text, column: column, wasQuoted: $0.wasQuoted)
        }
    }

    /// The most words one command line may hold: far more than any command needs, and few enough that
    /// a line of short words costs a small multiple of its size.
    public static let maximumWords = 65_536

    /// The words of `line` as far as it goes: a quote left open ends the last word rather than failing.
    public static func words(_ line: Substring) -> [PartialWord] {
        // Without parameters nothing can fail.
        (try? scan(line, parameters: nil)) ?? []
    }

    /// The words of `line`, with parameter references replaced when `parameters` are given.
    static func scan(
        _ line: Substring, parameters: ScriptParameters?
    ) throws(ScriptParameters.Failure) -> [PartialWord] {
        var words: [PartialWord] = []
        var index = line.startIndex
        while index < line.endIndex {
            while index < line.endIndex, line[index] == " " || line[index] == "\t" { index = line.index(after: index) }
            guard index < line.endIndex else { break }
            let start = index
            var text = ""
            var quoted = false
            var openQuote: String.Index?
            while index < line.endIndex {
                let c = line[index]
                if c == "$", let parameters {
                    // Inside quotes or not, the value joins the word as it is.
                    let (value, next) = try parameters.reference(in: line, at: index)
                    text += value
                    index = next
                    continue
                }
                if openQuote != nil {
                    if c == "\"" {
                        let next = line.index(after: index)
                        if next < line.endIndex, line[next] == "\"" {
                            text.append("\"")
                            index = line.index(after: next)
                            continue
                        }
                        openQuote = nil
                    } else {
                        text.append(c)
                    }
                } else if c == " " || c == "\t" {
                    break
                } else if c == "\"" {
                    openQuote = index
                    quoted = true
                } else {
                    text.append(c)
                }
                index = line.index(after: index)
            }
            guard words.count < maximumWords else {
                throw ScriptParameters.Failure(
                    column: line.distance(from: line.startIndex, to: start) + 1,
                    message: "more than \(maximumWords) words on one line")
            }
            words.append(PartialWord(text: text, range: start..<index, wasQuoted: quoted, openQuote: openQuote))
        }
        return words
    }

    /// Quotes `word` so that `split` gives it back unchanged.
    public static func quote(_ word: String) -> String {
        if !word.isEmpty, !word.contains(where: { $0 == " " || $0 == "\t" || $0 == "\"" }) { return word }
        return "\"" + word.replacing("\"", with: "\"\"") + "\""
    }
}
