import FerryBase
import FerryScript

/// What Tab does to the text before the cursor.
public struct Completion: Equatable, Sendable {
    /// How many Unicode scalars before the cursor are replaced (the word as typed, quotes included).
    public var replacing: Int
    /// The text put in their place.
    public var text: String
    /// Names to show when the word cannot be taken further because several match.
    public var choices: [String]

    /// Nothing matched: leave the line alone.
    public static let none = Completion(replacing: 0, text: "", choices: [])

    /// Creates a completion.
    public init(replacing: Int, text: String, choices: [String]) {
        self.replacing = replacing
        self.text = text
        self.choices = choices
    }
}

/// One name a directory listing offers for completion.
public struct CompletionEntry: Equatable, Sendable {
    /// The name within its directory.
    public var name: String
    /// Whether it is a directory (completed with a `/`).
    public var isDirectory: Bool

    /// Creates an entry.
    public init(name: String, isDirectory: Bool) {
        self.name = name
        self.isDirectory = isDirectory
    }
}

/// Works out what the word under the cursor is (a command, a remote or local path, a session name) and
/// which names complete it, quoting them as the script parser reads them.
public struct CompletionEngine {
    /// Lists a remote directory as typed ("" for the working directory); nil when it cannot be read.
    public var remote: (String) -> [CompletionEntry]?
    /// Lists a local directory as typed.
    public var local: (String) -> [CompletionEntry]?
    /// Saved session names, for `open`.
    public var sessions: () -> [String]

    /// Creates an engine over the given listings.
    public init(
        remote: @escaping (String) -> [CompletionEntry]?, local: @escaping (String) -> [CompletionEntry]?,
        sessions: @escaping () -> [String]
    ) {
        self.remote = remote
        self.local = local
        self.sessions = sessions
    }

    /// A word of a partly typed line.
    struct Word: Equatable {
        /// The word with quoting removed.
        var text = ""
        /// How many scalars it takes in the line, quotes included.
        var length = 0
        /// Whether it opened a quote (closed or not).
        var quoted = false
    }

    /// Completes the last word of `line` (the text before the cursor).
    public func complete(_ line: String) -> Completion {
        var body = Substring(line)
        body = body.drop { $0 == " " || $0 == "\t" }
        if body.hasPrefix("-") { body = body.dropFirst() }
        let words = Self.words(body)
        guard let current = words.last else { return complete(Word(), as: .command, escaping: false) }
        if words.count == 1 {
            if current.text.hasPrefix("!") { return .none }
            return complete(current, as: .command, escaping: false)
        }
        let command = words[0].text
        if command.hasPrefix("!") { return complete(current, as: .local, escaping: false) }
        let earlier = words.dropFirst().dropLast()
        let shape = CommandSpec.named(command)?.arguments ?? .none
        if shape.takesOptions, current.text.hasPrefix("-"), !current.quoted { return .none }
        let position = earlier.filter { !(shape.takesOptions && $0.text.hasPrefix("-") && !$0.quoted) }.count
        return complete(current, as: shape.kind(at: position), escaping: shape.patterns)
    }

    /// Splits a partly typed line into words; a line ending in a space ends with an empty word.
    static func words(_ line: Substring) -> [Word] {
        let found = Tokenizer.words(line)
        var words = found.map { word in
            Word(text: word.text, length: line[word.range].unicodeScalars.count, quoted: word.wasQuoted)
        }
        if found.last.map({ $0.range.upperBound < line.endIndex }) ?? true { words.append(Word()) }
        return words
    }

    func complete(_ word: Word, as kind: ArgumentShape.Kind, escaping: Bool) -> Completion {
        switch kind {
        case .nothing:
            return .none
        case .command:
            let names = CommandSpec.allNames.filter { $0 != "!" && $0.hasPrefix(word.text) }
            return finish(
                word, names.map { CompletionEntry(name: $0, isDirectory: false) }, prefix: "", escaping: false)
        case .session:
            let names = sessions().filter { $0.hasPrefix(word.text) }.sorted()
            return finish(
                word, names.map { CompletionEntry(name: $0, isDirectory: false) }, prefix: "", escaping: false)
        case .remote, .remoteDirectory, .local, .localDirectory:
            if escaping, Wildcard.hasWildcards(word.text) { return .none }
            let plain = escaping ? Wildcard.unescape(word.text) : word.text
            let slash = plain.lastIndex(of: "/")
            let directory = slash.map { String(plain[...$0]) } ?? ""
            let prefix = slash.map { String(plain[plain.index(after: $0)...]) } ?? plain
            let isRemote = kind == .remote || kind == .remoteDirectory
            guard let listing = isRemote ? remote(directory) : local(directory) else { return .none }
            let directoriesOnly = kind == .remoteDirectory || kind == .localDirectory
            let matches = listing.filter {
                $0.name != "." && $0.name != ".." && $0.name.hasPrefix(prefix)
                    && (prefix.hasPrefix(".") || !$0.name.hasPrefix("."))
                    && (!directoriesOnly || $0.isDirectory)
            }
            .sorted { $0.name < $1.name }
            return finish(word, matches, prefix: directory, escaping: escaping)
        }
    }

    /// Turns the matching names into the edit: the whole name when one matches, else the part they
    /// share, else the list to show.
    func finish(_ word: Word, _ matches: [CompletionEntry], prefix: String, escaping: Bool) -> Completion {
        guard let first = matches.first else { return .none }
        let values = matches.map { prefix + $0.name + ($0.isDirectory ? "/" : "") }
        if matches.count == 1 {
            let complete = !first.isDirectory
            let text = encode(values[0], quoted: word.quoted, close: complete, escaping: escaping)
            return Completion(replacing: word.length, text: text + (complete ? " " : ""), choices: [])
        }
        let shared = values.dropFirst().reduce(values[0]) { Self.commonPrefix($0, $1) }
        let typed = escaping ? Wildcard.unescape(word.text) : word.text
        if shared.count > typed.count {
            return Completion(
                replacing: word.length, text: encode(shared, quoted: word.quoted, close: false, escaping: escaping),
                choices: [])
        }
        return Completion(
            replacing: 0, text: "", choices: matches.map { $0.name + ($0.isDirectory ? "/" : "") })
    }

    /// `value` written so the parser reads it back: wildcard characters escaped where the command
    /// expands them, and quoted when it has spaces or quotes (or the user opened a quote).
    func encode(_ value: String, quoted: Bool, close: Bool, escaping: Bool) -> String {
        var text = value
        if escaping {
            text = ""
            for c in value {
                if c == "*" || c == "?" || c == "[" || c == "\\" { text.append("\\") }
                text.append(c)
            }
        }
        guard quoted || text.contains(where: { $0 == " " || $0 == "\t" || $0 == "\"" }) else { return text }
        return "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + (close ? "\"" : "")
    }

    static func commonPrefix(_ a: String, _ b: String) -> String {
        var result = ""
        for (x, y) in zip(a, b) {
            guard x == y else { break }
            result.append(x)
        }
        return result
    }
}
