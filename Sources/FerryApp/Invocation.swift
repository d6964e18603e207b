import FerryBase
import FerryCore
import FerryScript
import FerrySessions
import FerryTransport
import Foundation

/// Everything one start of Ferry asks for, as plain values: what the executable hands the library
/// after reading its command line and environment.
public struct Invocation {
    /// Hosts named on the command line, each `[user@]host[:port]` or a saved session's name.
    public var targets: [String] = []
    /// Saved sessions to load (`-load`, repeatable).
    public var sessionsToLoad: [String] = []
    /// A hosts file (`--hosts`), and the tags to keep from it (`--group`).
    public var hostsFile: String?
    public var groups: [String] = []

    /// The command line's connection settings (`-l`, `-P`, `-i`, `-hostkey`, `--proxy`, `-J`,
    /// `--retries`, …), nil where it says nothing; they stack over a saved session's.
    public var settings = ConnectionSettings()
    public var family: AddressFamily = .any
    public var useAgent = true
    /// `--sessions`: the folder searched first for saved sessions.
    public var sessionsFolder: String?
    /// `--connections`: connections used at once for many-file transfers.
    public var transferConnections = 4
    /// `--streams`: how many streams a big file is split over (nil: as many as the connections).
    public var streams: Int?
    /// `--bwlimit`: the cap on the whole run's transfers, every host and stream together.
    public var bandwidth = BandwidthCaps.none
    /// `--diagnostics`: where `run` output and reports go.
    public var diagnostics: String?
    /// What the script's `${NAME}`, `$1`…`$9` and `${env:NAME}` stand for (`-D`, the words after `--`).
    public var parameters = ScriptParameters()
    /// Echo and keep-going (`-bc`, `-be`).
    public var batch = BatchOptions()
    /// How a run over many hosts goes (`--parallel`, `--host-timeout`, …).
    public var fleet = FleetOptions()

    /// The process environment (`USER`, `HOME`, `FERRY_PASSWORD`, …).
    public var environment: [String: String]
    /// The working directory relative paths are taken from.
    public var currentDirectory: String

    /// Creates an invocation with Ferry's defaults.
    public init(environment: [String: String], currentDirectory: String) {
        self.environment = environment
        self.currentDirectory = currentDirectory
    }

    /// Whether the script runs on several hosts: a hosts file, or more than one host or session.
    public var runsOnManyHosts: Bool {
        hostsFile != nil || rerunReport != nil || targets.count + sessionsToLoad.count > 1
    }

    /// Where `--events` go, if anywhere.
    public var events: EventLog?
    /// Walk the script without changing anything (`--check`).
    public var checkOnly = false

    /// An earlier run's `report.json` whose failed hosts to run again (`--rerun`).
    public var rerunReport: String?
    /// The slice of the hosts to run (`--shard`), and the run the shards share (`--run-id`).
    public var shard: Shard?
    public var runID: String?

    /// The local user's name, the login name when nothing else gives one.
    public var localUser: String { environment["USER"] ?? environment["LOGNAME"] ?? "root" }

    /// The login name for hosts that do not name one.
    public var defaultUser: String { settings.user ?? localUser }

    /// The home folder, for `~/.ssh` and saved sessions.
    public var home: String { environment["HOME"] ?? NSHomeDirectory() }

    /// The folder that runs' diagnostics go under, absolute.
    public var diagnosticsRoot: String { PathRules.resolve(diagnostics ?? "diagnostics", in: currentDirectory) }
}

/// Why Ferry could not start: every problem, one line each, ready to print.
public struct SetupError: Error, CustomStringConvertible {
    /// The lines, each starting `ferry: `.
    public var lines: [String]

    /// Creates an error from its lines.
    public init(_ lines: [String]) { self.lines = lines }

    public var description: String { lines.joined(separator: "\n") }
}
