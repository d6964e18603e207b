/// What the parser and `help` know about one command name.
public struct CommandSpec: Sendable {
    /// The name users type, and other names for the same command.
    public var name: String
    public var aliases: [String]
    /// Usage line, as `help CMD` prints it.
    public var usage: String
    /// One-line summary, as `help` prints it.
    public var summary: String
    /// Longer explanation for `help CMD`.
    public var details: String

    /// Every command Ferry knows, in `help` order.
    public static let all: [CommandSpec] = [
        CommandSpec(
            name: "!", aliases: [], usage: "! command", summary: "run a local shell command",
            details: "Runs the rest of the line with /bin/sh on this machine. A non-zero exit fails."),
        CommandSpec(
            name: "run", aliases: [], usage: "run [--timeout SECS] [-o NAME] command...",
            summary: "run a command on the remote host and keep its output",
            details: "Streams stdout and stderr as they come and saves them, with the exit status and timing, in"
                + " the host's diagnostics folder. A non-zero exit, a signal or a timeout fails the command."),
        CommandSpec(
            name: "ping-mtu", aliases: [], usage: "ping-mtu target [--max BYTES] [-6]",
            summary: "find the real path MTU from the remote host",
            details: "Sends don't-fragment pings (iputils ping -M do) from the remote host, finds the largest"
                + " packet that reaches the target, and compares it with the outgoing interface's MTU."),
        CommandSpec(
            name: "lping-mtu", aliases: [], usage: "lping-mtu target [--max BYTES] [-6]",
            summary: "find the real path MTU from this machine", details: "As ping-mtu, measured locally."),
        CommandSpec(
            name: "collect", aliases: [], usage: "collect [-r] remote-pattern...",
            summary: "fetch remote files into the host's diagnostics folder",
            details: "Each file lands under diagnostics/<run>/<host>/files/ at its remote path, so the same file"
                + " from many hosts never collides. -r fetches directories too. Wildcards allowed."),
        CommandSpec(
            name: "bye", aliases: ["exit", "quit"], usage: "bye", summary: "finish the session",
            details: "Ends the script or the prompt and closes the connection."),
        CommandSpec(
            name: "cd", aliases: [], usage: "cd [directory]", summary: "change the remote working directory",
            details: "Without a directory, returns to the directory the session started in."),
        CommandSpec(
            name: "chmod", aliases: [], usage: "chmod mode file...", summary: "change remote file permissions",
            details: "mode is octal (644) or symbolic clauses such as u+x,go-w or a=r. Wildcards allowed."),
        CommandSpec(
            name: "close", aliases: [], usage: "close", summary: "close the connection, stay in Ferry",
            details: "Drops the connection; use open to connect again."),
        CommandSpec(
            name: "dir", aliases: ["ls"], usage: "dir [-1] [-a] [directory | pattern]",
            summary: "list remote files",
            details: "Lists a remote directory in long format, sorted by name. -1 prints names only;"
                + " wildcards filter the last path component."),
        CommandSpec(
            name: "get", aliases: [], usage: "get [-r] [-p] [-a] remote-file [local-file]",
            summary: "download a file",
            details: "-r copies a directory tree, -p keeps permissions and modification time, -a resumes"
                + " like reget. The file is written under a temporary name and renamed when complete."),
        CommandSpec(
            name: "help", aliases: ["?"], usage: "help [command]", summary: "give help",
            details: "Without a command, lists all commands; with one, shows its usage."),
        CommandSpec(
            name: "lcd", aliases: [], usage: "lcd directory", summary: "change the local working directory",
            details: "Later transfers read and write relative to this directory."),
        CommandSpec(
            name: "lpwd", aliases: [], usage: "lpwd", summary: "print the local working directory",
            details: ""),
        CommandSpec(
            name: "mget", aliases: [], usage: "mget [-r] [-p] [-a] remote-pattern...",
            summary: "download many files",
            details: "Each argument is a wildcard pattern (* ? [..]); matching files land in the local"
                + " directory under their own names. A pattern matching nothing is a warning."),
        CommandSpec(
            name: "mkdir", aliases: [], usage: "mkdir directory...", summary: "create remote directories",
            details: ""),
        CommandSpec(
            name: "mput", aliases: [], usage: "mput [-r] [-p] [-a] local-pattern...",
            summary: "upload many files",
            details: "Each argument is a local wildcard pattern; matching files land in the remote"
                + " directory under their own names. A pattern matching nothing is a warning."),
        CommandSpec(
            name: "mv", aliases: ["ren", "rename"], usage: "mv source... destination",
            summary: "move or rename remote files",
            details: "With several sources or a wildcard, the destination must be a directory."),
        CommandSpec(
            name: "open", aliases: [], usage: "open [-P port] [user@]host[:port] [port]", summary: "connect to a host",
            details: "Connects with the options given on the command line."),
        CommandSpec(
            name: "put", aliases: [], usage: "put [-r] [-p] [-a] local-file [remote-file]",
            summary: "upload a file",
            details: "-r copies a directory tree, -p keeps permissions and modification time, -a resumes"
                + " like reput."),
        CommandSpec(
            name: "pwd", aliases: [], usage: "pwd", summary: "print the remote working directory",
            details: ""),
        CommandSpec(
            name: "reget", aliases: [], usage: "reget [-r] [-p] remote-file [local-file]",
            summary: "continue a download",
            details: "Starts from the size of the local file that is already there."),
        CommandSpec(
            name: "reput", aliases: [], usage: "reput [-r] [-p] local-file [remote-file]",
            summary: "continue an upload",
            details: "Starts from the size of the remote file that is already there."),
        CommandSpec(
            name: "rm", aliases: ["del", "delete"], usage: "rm file...", summary: "delete remote files",
            details: "Wildcards allowed."),
        CommandSpec(
            name: "rmdir", aliases: [], usage: "rmdir directory...", summary: "remove remote directories",
            details: "Each directory must be empty."),
    ]

    /// The spec for a name or alias.
    public static func named(_ name: String) -> CommandSpec? {
        all.first { $0.name == name || $0.aliases.contains(name) }
    }

    /// Every name and alias, for suggestions and completion.
    public static var allNames: [String] { all.flatMap { [$0.name] + $0.aliases } }
}
