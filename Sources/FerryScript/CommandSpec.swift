import FerryBase

/// One row of the command table: the names users type, the usage and help `help` prints, what the
/// arguments name (for Tab completion) and how the arguments are parsed, as psftp keeps one
/// `sftp_lookup[]` row per command.
public struct CommandSpec: Sendable {
    /// How a command's text becomes a ``Command``.
    enum Syntax: Sendable {
        /// The rest of the line is taken as written, after any options (`!`, `run`).
        case line(@Sendable (_ text: String, _ columnOffset: Int) throws(ScriptParser.Failure) -> Command)
        /// The words after the name, split with psftp's quoting, read by one of ``Arguments``' parsers.
        case words(Arguments.Parser)
    }

    /// The name users type, and other names for the same command.
    public var name: String
    public var aliases: [String]
    /// Usage line, as `help CMD` prints it.
    public var usage: String
    /// One-line summary, as `help` prints it.
    public var summary: String
    /// Longer explanation for `help CMD`.
    public var details: String
    /// What the arguments name, for Tab completion.
    public var arguments: ArgumentShape
    /// How the arguments are parsed.
    let syntax: Syntax

    /// Every command Ferry knows, in `help` order.
    public static let all: [CommandSpec] = [
        CommandSpec(
            name: "!", usage: "! command", summary: "run a local shell command",
            details: "Runs the rest of the line with /bin/sh on this machine. A non-zero exit fails.",
            arguments: ArgumentShape(rest: .local), syntax: .line(ScriptParser.parseLocal)),
        CommandSpec(
            name: "run", usage: "run [--timeout SECS] [-o NAME] command...",
            summary: "run a command on the remote host and keep its output",
            details: "Streams stdout and stderr as they come and saves them, with the exit status and timing, in"
                + " the host's diagnostics folder. A non-zero exit, a signal or a timeout fails the command.",
            arguments: ArgumentShape(options: true, rest: .remote), syntax: .line(ScriptParser.parseRun)),
        CommandSpec(
            name: "ping-mtu", usage: "ping-mtu target [--max BYTES] [-6]",
            summary: "find the real path MTU from the remote host",
            details: "Sends don't-fragment pings (iputils ping -M do) from the remote host, finds the largest"
                + " packet that reaches the target, and compares it with the outgoing interface's MTU.",
            syntax: .words(.pingMTU(local: false))),
        CommandSpec(
            name: "lping-mtu", usage: "lping-mtu target [--max BYTES] [-6]",
            summary: "find the real path MTU from this machine", details: "As ping-mtu, measured locally.",
            syntax: .words(.pingMTU(local: true))),
        CommandSpec(
            name: "collect", usage: "collect [-r] remote-pattern...",
            summary: "fetch remote files into the host's diagnostics folder",
            details: "Each file lands under diagnostics/<run>/<host>/files/ at its remote path, so the same file"
                + " from many hosts never collides. -r fetches directories too. Wildcards allowed.",
            arguments: ArgumentShape(options: true, patterns: true, rest: .remote),
            syntax: .words(.collect)),
        CommandSpec(
            name: "barrier", usage: "barrier [name]", summary: "wait here for every host of the run",
            details: "In a run over many hosts, waits until every host of the run (or of its wave, with"
                + " --waves) has reached this line or ended. Then, if more hosts have failed than --max-fail"
                + " allows (none, without it), every waiting host stops here and ends 'held'; otherwise all go"
                + " on together. A no-op on one host; refused at the prompt.",
            syntax: .words(.barrier)),
        CommandSpec(
            name: "bwlimit", usage: "bwlimit rate|off|down=rate,up=rate",
            summary: "cap this host's transfers from here on",
            details: "Bytes a second with K, M or G (binary: 4M is 4 MiB/s); down= and up= cap downloads and"
                + " uploads apart; off lifts this line's cap. Every cap that applies holds, the lowest winning:"
                + " --bwlimit for the whole run, --bwlimit-host and the session's or hosts file's bwlimit-host"
                + " for the host, and the last bwlimit line.",
            syntax: .words(.bwlimit)),
        CommandSpec(
            name: "bye", aliases: ["exit", "quit"], usage: "bye", summary: "finish the session",
            details: "Ends the script or the prompt and closes the connection.",
            syntax: .words(.nothingMore(.bye))),
        CommandSpec(
            name: "cd", usage: "cd [directory]", summary: "change the remote working directory",
            details: "Without a directory, returns to the directory the session started in.",
            arguments: ArgumentShape(rest: .remoteDirectory),
            syntax: .words(.cd)),
        CommandSpec(
            name: "chmod", usage: "chmod mode file...", summary: "change remote file permissions",
            details: "mode is octal (644) or symbolic clauses such as u+x,go-w or a=r. Wildcards allowed.",
            arguments: ArgumentShape(patterns: true, [.nothing], rest: .remote), syntax: .words(.chmod)),
        CommandSpec(
            name: "close", usage: "close", summary: "close the connection, stay in Ferry",
            details: "Drops the connection; use open to connect again.",
            syntax: .words(.nothingMore(.close))),
        CommandSpec(
            name: "dir", aliases: ["ls"], usage: "dir [-1] [-a] [directory | pattern]",
            summary: "list remote files",
            details: "Lists a remote directory in long format, sorted by name. -1 prints names only;"
                + " wildcards filter the last path component.",
            arguments: ArgumentShape(options: true, rest: .remote), syntax: .words(.list)),
        CommandSpec(
            name: "get", usage: "get [-r] [-p] [-a] [-V] remote-file [local-file]", summary: "download a file",
            details: "-r copies a directory tree, -p keeps permissions and modification time, -a resumes"
                + " like reget, -V compares SHA-256 on both sides before the file is put in place (a"
                + " difference fails and removes the copy). The file is written under a temporary name and"
                + " renamed when complete.",
            arguments: ArgumentShape(options: true, [.remote, .local]), syntax: .words(.transfer(.get))),
        CommandSpec(
            name: "help", aliases: ["?"], usage: "help [command]", summary: "give help",
            details: "Without a command, lists all commands; with one, shows its usage.",
            arguments: ArgumentShape([.command]),
            syntax: .words(.help)),
        CommandSpec(
            name: "lcd", usage: "lcd directory", summary: "change the local working directory",
            details: "Later transfers read and write relative to this directory.",
            arguments: ArgumentShape([.localDirectory]),
            syntax: .words(.lcd)),
        CommandSpec(
            name: "lpwd", usage: "lpwd", summary: "print the local working directory", details: "",
            syntax: .words(.nothingMore(.lpwd))),
        CommandSpec(
            name: "mget", usage: "mget [-r] [-p] [-a] [-V] remote-pattern...", summary: "download many files",
            details: "Each argument is a wildcard pattern (* ? [..]); matching files land in the local"
                + " directory under their own names. A pattern matching nothing is a warning.",
            arguments: ArgumentShape(options: true, patterns: true, rest: .remote),
            syntax: .words(.transfer(.mget))),
        CommandSpec(
            name: "mirror",
            usage: "mirror [-R] [--delete] [--dry-run] [--checksum] [--include GLOB] [--exclude GLOB]"
                + " [--no-symlinks] [-p] [-V] [--parallel N] source-dir [target-dir]",
            summary: "make a folder tree match another, moving only what changed",
            details: "Remote to local; -R local to remote. A file moves when the other side lacks it or its"
                + " size or time differs (--checksum: its SHA-256); times are kept, -p keeps modes too."
                + " --delete removes what the source no longer has, --dry-run prints the plan and changes"
                + " nothing. --include/--exclude GLOB (repeatable, the first that matches decides) match the"
                + " path inside the tree (a name alone matches at any depth, ** crosses folders, a trailing /"
                + " matches folders). Symbolic links are made again when they point inside the tree (relative"
                + " paths), else skipped; --no-symlinks skips them all. Empty folders are made. A file facing"
                + " a folder is left alone, or with --delete replaced.",
            arguments: ArgumentShape(options: true, [.remoteDirectory, .localDirectory]), syntax: .words(.mirror)),
        CommandSpec(
            name: "mkdir", usage: "mkdir directory...", summary: "create remote directories", details: "",
            arguments: ArgumentShape(rest: .remote),
            syntax: .words(.mkdir)),
        CommandSpec(
            name: "mput", usage: "mput [-r] [-p] [-a] [-V] local-pattern...", summary: "upload many files",
            details: "Each argument is a local wildcard pattern; matching files land in the remote"
                + " directory under their own names. A pattern matching nothing fails the command, as in"
                + " psftp.",
            arguments: ArgumentShape(options: true, patterns: true, rest: .local),
            syntax: .words(.transfer(.mput))),
        CommandSpec(
            name: "mv", aliases: ["ren", "rename"], usage: "mv source... destination",
            summary: "move or rename remote files",
            details: "With several sources or a wildcard, the destination must be a directory.",
            arguments: ArgumentShape(patterns: true, rest: .remote), syntax: .words(.move)),
        CommandSpec(
            name: "open", usage: "open [-P port] [user@]host[:port] [port]", summary: "connect to a host",
            details: "Connects with the options given on the command line.", arguments: ArgumentShape([.session]),
            syntax: .words(.open)),
        CommandSpec(
            name: "put", usage: "put [-r] [-p] [-a] [-V] local-file [remote-file]", summary: "upload a file",
            details: "-r copies a directory tree, -p keeps permissions and modification time, -a resumes"
                + " like reput, -V compares SHA-256 on both sides before the upload takes the target's"
                + " name (a difference fails and removes the remote copy).",
            arguments: ArgumentShape(options: true, [.local, .remote]), syntax: .words(.transfer(.put))),
        CommandSpec(
            name: "pwd", usage: "pwd", summary: "print the remote working directory", details: "",
            syntax: .words(.nothingMore(.pwd))),
        CommandSpec(
            name: "reget", usage: "reget [-r] [-p] [-V] remote-file [local-file]", summary: "continue a download",
            details: "Starts from the size of the local file that is already there.",
            arguments: ArgumentShape(options: true, [.remote, .local]), syntax: .words(.transfer(.reget))),
        CommandSpec(
            name: "reput", usage: "reput [-r] [-p] [-V] local-file [remote-file]", summary: "continue an upload",
            details: "Starts from the size of the remote file that is already there.",
            arguments: ArgumentShape(options: true, [.local, .remote]), syntax: .words(.transfer(.reput))),
        CommandSpec(
            name: "rm", aliases: ["del", "delete"], usage: "rm file...", summary: "delete remote files",
            details: "Wildcards allowed.", arguments: ArgumentShape(patterns: true, rest: .remote),
            syntax: .words(.rm)),
        CommandSpec(
            name: "rmdir", usage: "rmdir directory...", summary: "remove remote directories",
            details: "Each directory must be empty.", arguments: ArgumentShape(rest: .remoteDirectory),
            syntax: .words(.rmdir)),
        CommandSpec(
            name: "verify", usage: "verify remote-file [local-file]",
            summary: "compare a remote and a local file's SHA-256",
            details: "Moves nothing: hashes the local file here and the remote one on the server (with"
                + " sha256sum or shasum there), and fails when they differ. The local file defaults to the"
                + " remote one's name in the local directory.",
            arguments: ArgumentShape([.remote, .local]), syntax: .words(.verify)),
    ]

    init(
        name: String, aliases: [String] = [], usage: String, summary: String, details: String,
        arguments: ArgumentShape = .none, syntax: Syntax
    ) {
        self.name = name
        self.aliases = aliases
        self.usage = usage
        self.summary = summary
        self.details = details
        self.arguments = arguments
        self.syntax = syntax
    }

    /// The spec for a name or alias.
    public static func named(_ name: String) -> CommandSpec? {
        all.first { $0.name == name || $0.aliases.contains(name) }
    }

    /// Every name and alias, for suggestions and completion.
    public static var allNames: [String] { all.flatMap { [$0.name] + $0.aliases } }
}
