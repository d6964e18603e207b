import FerryBase

/// The words after a command name, consumed while building a ``Command``.
struct Arguments {
    var tokens: [Token]
    let command: String
    let usage: String
    let columnOffset: Int
    /// The column just past the end of the line, for "missing argument" errors.
    let end: Int

    func failure(_ message: String, at token: Token? = nil) -> ScriptParser.Failure {
        ScriptParser.Failure(column: columnOffset + (token?.column ?? end), message: message)
    }

    /// Removes leading options (words starting with `-`, until `--`); each must be in `allowed`.
    mutating func options(_ allowed: Set<Character>) throws(ScriptParser.Failure) -> Set<Character> {
        var found: Set<Character> = []
        while let token = tokens.first, !token.wasQuoted, token.text.hasPrefix("-"), token.text.count > 1 {
            tokens.removeFirst()
            if token.text == "--" { break }
            for flag in token.text.dropFirst() {
                guard allowed.contains(flag) else {
                    throw failure("\(command): unknown option '-\(flag)' (usage: \(usage))", at: token)
                }
                found.insert(flag)
            }
        }
        return found
    }

    /// The remaining words, requiring between `min` and `max` of them.
    mutating func words(min: Int, max: Int = Int.max, what: String) throws(ScriptParser.Failure) -> [String] {
        if tokens.count < min { throw failure("\(command): missing \(what) (usage: \(usage))") }
        if tokens.count > max {
            throw failure("\(command): too many arguments (usage: \(usage))", at: tokens[max])
        }
        defer { tokens.removeAll() }
        return tokens.map(\.text)
    }

    func portNumber(_ text: String, at token: Token?) throws(ScriptParser.Failure) -> Int {
        guard let value = Int(text), (1...65535).contains(value) else {
            throw failure("\(command): '\(text)' is not a port number (1 to 65535)", at: token)
        }
        return value
    }
}

extension Arguments {
    /// The parsers a row of the command table can name.
    enum Parser: Sendable {
        case nothingMore(Command)
        case cd, lcd, help, mkdir, rmdir, rm
        case open, list, collect, move, chmod, verify, mirror, barrier, bwlimit
        case transfer(Transfer.Kind)
        case pingMTU(local: Bool)
    }

    /// Reads the words with `parser`.
    mutating func parse(with parser: Parser) throws(ScriptParser.Failure) -> Command {
        switch parser {
        case .nothingMore(let command): try nothingMore(command)
        case .cd: .cd(path: try words(min: 0, max: 1, what: "directory").first)
        case .lcd: .lcd(path: try words(min: 1, max: 1, what: "local directory")[0])
        case .help: .help(topic: try words(min: 0, max: 1, what: "").first)
        case .mkdir: .mkdir(paths: try words(min: 1, what: "directory name"))
        case .rmdir: .rmdir(paths: try words(min: 1, what: "directory name"))
        case .rm: .rm(patterns: try words(min: 1, what: "file name"))
        case .open: try open()
        case .list: try list()
        case .collect: try collect()
        case .move: try move()
        case .chmod: try chmod()
        case .verify: try verifyFiles()
        case .mirror: try mirror()
        case .barrier: try barrier()
        case .bwlimit: try bwlimit()
        case .transfer(let kind): try transfer(kind)
        case .pingMTU(let local): try pingMTU(local: local)
        }
    }

    /// A command that takes no arguments.
    /// `barrier [name]`: a name is letters, digits, `.`, `_` and `-`, at most 64 of them.
    mutating func barrier() throws(ScriptParser.Failure) -> Command {
        let token = tokens.first
        guard let name = try words(min: 0, max: 1, what: "").first else { return .barrier(name: nil) }
        guard PathRules.isPlainWord(Substring(name), limit: 64) else {
            throw failure(
                "barrier: '\(name)' is not a barrier name (letters, digits, '.', '_' and '-', at most 64)", at: token)
        }
        return .barrier(name: name)
    }

    /// `bwlimit RATE|off|down=RATE,up=RATE`.
    mutating func bwlimit() throws(ScriptParser.Failure) -> Command {
        let token = tokens.first
        let text = try words(min: 1, max: 1, what: "rate")[0]
        guard let caps = BandwidthCaps(text) else {
            throw failure("bwlimit: \(BandwidthCaps.notACap(text))", at: token)
        }
        return .bwlimit(caps)
    }

    mutating func nothingMore(_ command: Command) throws(ScriptParser.Failure) -> Command {
        _ = try words(min: 0, max: 0, what: "")
        return command
    }

    /// `open [-P port] [user@]host[:port] [port]`: `-P PORT` as on ferry's own command line, or the port
    /// after the host as in psftp.
    mutating func open() throws(ScriptParser.Failure) -> Command {
        var port: Int?
        if let first = tokens.first, !first.wasQuoted, first.text.hasPrefix("-P") {
            tokens.removeFirst()
            let attached = first.text.dropFirst(2)
            guard let value = attached.isEmpty ? tokens.first?.text : String(attached) else {
                throw failure("\(command): -P needs a port number (usage: \(usage))")
            }
            if attached.isEmpty { tokens.removeFirst() }
            port = try portNumber(value, at: first)
        }
        _ = try options([])
        let given = try words(min: 0, max: port == nil ? 2 : 1, what: "host")
        if given.count == 2 { port = try portNumber(given[1], at: nil) }
        return .open(target: given.first, port: port)
    }

    /// `dir [-1] [-a] [directory | pattern]`.
    mutating func list() throws(ScriptParser.Failure) -> Command {
        let flags = try options(["1", "l", "a"])
        let path = try words(min: 0, max: 1, what: "").first
        return .ls(List(path: path, long: !flags.contains("1"), all: true))
    }

    /// `get`, `put`, `reget`, `reput`, `mget`, `mput`, with `-r`, `-p`, `-a` and `-V`.
    mutating func transfer(_ kind: Transfer.Kind) throws(ScriptParser.Failure) -> Command {
        let flags = try options(["r", "p", "P", "a", "V"])
        var transfer = Transfer(kind: kind, sources: [])
        transfer.recursive = flags.contains("r")
        transfer.preserve = flags.contains("p") || flags.contains("P")
        transfer.resume = flags.contains("a") || kind == .reget || kind == .reput
        transfer.verify = flags.contains("V")
        if transfer.isMultiple {
            transfer.sources = try words(min: 1, what: kind == .mget ? "remote file pattern" : "local file pattern")
        } else {
            let given = try words(min: 1, max: 2, what: transfer.isDownload ? "remote file" : "local file")
            transfer.sources = [given[0]]
            transfer.destination = given.count > 1 ? given[1] : nil
        }
        return .transfer(transfer)
    }

    /// `ping-mtu target [--max BYTES] [-6]`, options anywhere; `local` for `lping-mtu`.
    mutating func pingMTU(local: Bool) throws(ScriptParser.Failure) -> Command {
        var request = PingMTU(target: "", local: local)
        var rest: [Token] = []
        while !tokens.isEmpty {
            let token = tokens.removeFirst()
            if token.text == "-6" {
                request.ipv6 = true
            } else if token.text == "--max" {
                guard let value = tokens.first.flatMap({ Int($0.text) }), (68...65535).contains(value) else {
                    throw failure("\(command): --max needs an MTU from 68 to 65535", at: token)
                }
                tokens.removeFirst()
                request.maximum = value
            } else if token.text.hasPrefix("-"), !token.wasQuoted {
                throw failure("\(command): unknown option '\(token.text)' (usage: \(usage))", at: token)
            } else {
                rest.append(token)
            }
        }
        tokens = rest
        request.target = try words(min: 1, max: 1, what: "target")[0]
        return .pingMTU(request)
    }

    /// `collect [-r] remote-pattern...`.
    mutating func collect() throws(ScriptParser.Failure) -> Command {
        let flags = try options(["r"])
        return .collect(patterns: try words(min: 1, what: "remote file pattern"), recursive: flags.contains("r"))
    }

    /// `verify remote-file [local-file]`.
    mutating func verifyFiles() throws(ScriptParser.Failure) -> Command {
        let given = try words(min: 1, max: 2, what: "remote file")
        return .verify(remote: given[0], local: given.count > 1 ? given[1] : nil)
    }

    /// `mv source... destination`.
    mutating func move() throws(ScriptParser.Failure) -> Command {
        let given = try words(min: 2, what: tokens.isEmpty ? "source and destination" : "destination")
        return .mv(sources: Array(given.dropLast()), destination: given[given.count - 1])
    }

    /// `chmod mode file...`.
    mutating func chmod() throws(ScriptParser.Failure) -> Command {
        guard let modeToken = tokens.first else { throw failure("chmod: missing mode (usage: \(usage))") }
        tokens.removeFirst()
        guard let mode = FileMode(modeToken.text) else {
            throw failure("chmod: invalid mode '\(modeToken.text)' (octal like 644, or like u+x,go-w)", at: modeToken)
        }
        return .chmod(mode: mode, patterns: try words(min: 1, what: "file name"))
    }
}
