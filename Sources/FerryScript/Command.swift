import FerryBase

/// One parsed command, typed; the interpreter runs these.
///
/// Indirect, so a command takes one pointer in a script however large its case's values are (a
/// script of millions of short lines stays a small multiple of its size).
public indirect enum Command: Equatable, Sendable {
    /// `open [user@]host[:port] [port]`, or `open` alone to reconnect to the command line's host.
    case open(target: String?, port: Int?)
    /// `close`: drop the connection, keep going.
    case close
    /// `bye`, `exit`, `quit`: end the script or prompt.
    case bye
    /// `help [command]`.
    case help(topic: String?)
    /// `pwd`: print the remote directory.
    case pwd
    /// `lpwd`: print the local directory.
    case lpwd
    /// `cd [dir]`: change the remote directory (home without an argument).
    case cd(path: String?)
    /// `lcd dir`: change the local directory.
    case lcd(path: String)
    /// `ls`/`dir [-1] [-a] [dir-or-pattern]`.
    case ls(List)
    /// `get`, `put`, `mget`, `mput`, `reget`, `reput`.
    case transfer(Transfer)
    /// `mkdir dir…`.
    case mkdir(paths: [String])
    /// `rmdir dir…`.
    case rmdir(paths: [String])
    /// `rm`/`del` `file…` (wildcards allowed).
    case rm(patterns: [String])
    /// `mv`/`ren` `source… destination` (wildcards allowed in sources).
    case mv(sources: [String], destination: String)
    /// `chmod mode file…` (wildcards allowed).
    case chmod(mode: FileMode, patterns: [String])
    /// `! command`: run a local shell command.
    case local(commandLine: String)
    /// `run [--timeout SECS] [-o NAME] command…`: run a command on the remote host and keep what it says.
    case run(RemoteRun)
    /// `verify remote-file [local-file]`: compare the two files' SHA-256 without moving either.
    case verify(remote: String, local: String?)
    /// `mirror [options] remote-dir [local-dir]`, `mirror -R [options] local-dir [remote-dir]`.
    case mirror(MirrorRequest)
    /// `collect [-r] remote…`: fetch files into the host's diagnostics folder, keeping their remote paths.
    case collect(patterns: [String], recursive: Bool)
    /// `ping-mtu` (from the remote host) and `lping-mtu` (from here).
    case pingMTU(PingMTU)
    /// `barrier [name]`: in a run over many hosts, wait until every host of the run (or of its wave)
    /// has come here or ended, then go on together, or stop here when the failure budget is spent.
    case barrier(name: String?)
    /// `bwlimit RATE`: caps this host's transfers from this line on (``BandwidthCaps/none``: lifts the
    /// script's own cap; the command line's and the session's hold).
    case bwlimit(BandwidthCaps)
}

/// A path-MTU measurement request.
public struct PingMTU: Equatable, Sendable {
    public var target: String
    /// The largest MTU to try (`--max`); the outgoing interface's MTU when nil.
    public var maximum: Int?
    public var ipv6 = false
    /// Measure from this machine (`lping-mtu`) rather than from the remote host.
    public var local = false

    /// Creates a request.
    public init(target: String, maximum: Int? = nil, ipv6: Bool = false, local: Bool = false) {
        self.target = target
        self.maximum = maximum
        self.ipv6 = ipv6
        self.local = local
    }
}

/// A remote command to run, with its output kept in the diagnostics folder.
public struct RemoteRun: Equatable, Sendable {
    /// The command line, passed to the remote shell as written.
    public var command: String
    /// Seconds after which the command is abandoned.
    public var timeout: Int?
    /// The base name of the saved files; derived from the command when nil.
    public var outputName: String?

    /// Creates a run request.
    public init(command: String, timeout: Int? = nil, outputName: String? = nil) {
        self.command = command
        self.timeout = timeout
        self.outputName = outputName
    }
}

/// A directory listing request.
public struct List: Equatable, Sendable {
    /// The directory or wildcard pattern; nil for the current remote directory.
    public var path: String?
    /// Show the server's long lines (the default, as psftp); `-1` shows names only.
    public var long = true
    /// Include names starting with a dot.
    public var all = true

    /// Creates a listing request.
    public init(path: String? = nil, long: Bool = true, all: Bool = true) {
        self.path = path
        self.long = long
        self.all = all
    }
}

/// A file transfer, in either direction.
public struct Transfer: Equatable, Sendable {
    /// Which command asked for it.
    public enum Kind: String, Sendable, CaseIterable {
        case get, put, mget, mput, reget, reput
    }

    public var kind: Kind
    /// The files to send; patterns for `mget`/`mput`.
    public var sources: [String]
    /// Where to put them (`get`/`put` only); nil means the source's own name in the current directory.
    public var destination: String?
    /// `-r`: copy directories and what they hold.
    public var recursive = false
    /// `-p`: keep permissions and modification time.
    public var preserve = false
    /// Continue from what the destination already holds (`reget`, `reput`, or `-a`).
    public var resume = false
    /// Compare SHA-256 on both sides after the transfer (`-V`).
    public var verify = false

    /// Creates a transfer.
    public init(
        kind: Kind, sources: [String], destination: String? = nil, recursive: Bool = false,
        preserve: Bool = false, resume: Bool = false, verify: Bool = false
    ) {
        self.verify = verify
        self.kind = kind
        self.sources = sources
        self.destination = destination
        self.recursive = recursive
        self.preserve = preserve
        self.resume = resume
    }

    /// Whether this downloads (`get`, `mget`, `reget`).
    public var isDownload: Bool { kind == .get || kind == .mget || kind == .reget }
    /// Whether sources are wildcard patterns, each possibly naming many files.
    public var isMultiple: Bool { kind == .mget || kind == .mput }
}
