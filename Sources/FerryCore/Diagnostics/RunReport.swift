import FerryBase
import FerryTransfer
import Foundation

/// One command as the report lists it.
public struct CommandRecord: Codable, Equatable, Sendable {
    /// The script line, when the command came from a script.
    public var line: Int?
    /// The command as written (never holds secrets: scripts have no password commands).
    public var command: String
    /// The host the command ran against, if connected.
    public var host: String?
    /// How it ended.
    public var status: CommandStatus
    /// The exit status class of a failure, or a remote command's own exit status.
    public var exitStatus: Int?
    /// The signal that ended a remote command.
    public var signal: String?
    /// The time limit a remote command ran past.
    public var timedOutAfterSeconds: Int?
    public var durationSeconds: Double
    /// Bytes moved: transferred file data, or a remote command's stdout plus stderr.
    public var bytes: UInt64
    /// The failure's one-line message.
    public var message: String?
    /// Why the command failed, finer than its exit status (a refused port, a changed host key).
    public var reason: FailureReason?
    /// What `ping-mtu` found.
    public var mtu: MTUFigures?
    /// What `mirror` did.
    public var mirror: MirrorSummary?
    /// How many times the command reconnected after losing its connection (left out when none).
    public var reconnects: Int?
    /// The files a retry after a reconnect continued, each as "name from byte N".
    public var resumed: [String]?
    /// The caps in force while the command moved its bytes (bytes a second, each way), if any were.
    public var bwlimit: BandwidthCaps?
    /// When the command started (ISO 8601, UTC, with milliseconds), for the timeline of report.html.
    public var started: String?
    /// Where `run` kept the command's output, in the host's folder: `NAME.stdout`, `NAME.stderr`.
    public var output: String?

    enum CodingKeys: String, CodingKey {
        case line, command, host, status, signal, bytes, message, reason, mtu, mirror, reconnects, resumed, bwlimit
        case started, output
        case exitStatus = "exit_status"
        case durationSeconds = "duration_seconds"
        case timedOutAfterSeconds = "timed_out_after_seconds"
    }
}

/// `report.json` and `report.md` for one run: every command per host.
///
/// The JSON schema is stable: `schema` is `ferry-report/1`; `hosts` is a list of objects with `host` and
/// `commands`, each command with the fields of ``CommandRecord`` (fields without a value are left out).
public struct RunReport: Codable, Sendable {
    /// One host's part of the report.
    public struct Host: Codable, Sendable {
        /// The host's name (its session name or host[:port] in a run over many hosts).
        public var host: String
        /// How the host's part ended.
        public var status: HostStatus
        /// Every command the host ran, in order.
        public var commands: [CommandRecord]
        /// Tags the hosts file gave the host.
        public var tags: [String]?
        /// Seconds from the start of the host's connection to its end (runs over many hosts).
        public var durationSeconds: Double?
        /// The command that failed, as `line N: command` (or `connect`).
        public var failedCommand: String?
        /// Why the host failed.
        public var message: String?
        /// The host's own exit status, of the README's table (3 host key, 4 login, 5 proxy, 6
        /// connection, …), as a run on that host alone would have returned it; left out for a host
        /// that did not start.
        public var exitStatus: Int?
        /// Why the host failed, as a code a program can sort on.
        public var reason: FailureReason?
        /// Everything the host's commands printed (only in `--json` output).
        public var output: String?
        /// The host as it was named (a session, or `[user@]host[:port]`), for `--rerun`.
        public var target: String?
        /// The wave the host ran in (or would have), from 1, in a run with `--waves`.
        public var wave: Int?
        /// The host's own cap (`--bwlimit-host`, its session's or hosts file line's `bwlimit-host`).
        public var bwlimit: BandwidthCaps?
        /// Where the host's collected files and command output are, relative to the report, when not
        /// in the folder named after it (a merged report's hosts are in their shards' folders).
        public var folder: String?

        enum CodingKeys: String, CodingKey {
            case host, status, commands, tags, message, output, target, reason, wave, bwlimit, folder
            case exitStatus = "exit_status"
            case durationSeconds = "duration_seconds"
            case failedCommand = "failed_command"
        }

        /// Creates a host entry.
        public init(host: String, status: HostStatus, commands: [CommandRecord]) {
            self.host = host
            self.status = status
            self.commands = commands
        }
    }

    /// Counts of hosts by status, for a run over many hosts.
    public var summary: [String: Int]?

    public var schema = "ferry-report/1"
    public var run: String
    public var script: String?
    public var started: String
    public var finished: String
    public var exitStatus: Int
    public var hosts: [Host]
    /// The report of the run this one re-ran the failed hosts of (`--rerun`).
    public var continues: String?
    /// The shard of a larger run this report covers (`--shard`).
    public var shard: ShardRecord?
    /// The shards a merged report was made from (`ferry report merge`).
    public var merged: MergeRecord?
    /// The cap on the whole run's transfers (`--bwlimit`), bytes a second each way.
    public var bwlimit: BandwidthCaps?

    enum CodingKeys: String, CodingKey {
        case schema, run, script, started, finished, hosts, summary, continues, shard, merged, bwlimit
        case exitStatus = "exit_status"
    }

    /// A report over many hosts, each entry already made; it adds a summary of hosts by status.
    public init(run: String, script: String?, started: Date, finished: Date, exitStatus: Int32, hosts: [Host]) {
        var summary = Dictionary(hosts.map { ($0.status.rawValue, 1) }, uniquingKeysWith: +)
        summary["hosts"] = hosts.count
        self.init(
            run: run, script: script, started: started, finished: finished, exitStatus: exitStatus, hosts: hosts,
            summary: summary)
    }

    private init(
        run: String, script: String?, started: Date, finished: Date, exitStatus: Int32, hosts: [Host],
        summary: [String: Int]?
    ) {
        self.run = run
        self.script = script
        let formatter = ISO8601DateFormatter()
        self.started = formatter.string(from: started)
        self.finished = formatter.string(from: finished)
        self.exitStatus = Int(exitStatus)
        self.hosts = hosts
        self.summary = summary
    }

    /// Groups `records` by host, in the order hosts first appear.
    public init(
        run: String, script: String?, started: Date, finished: Date, exitStatus: Int32,
        records: [CommandRecord]
    ) {
        var order: [String] = []
        var byHost: [String: [CommandRecord]] = [:]
        for record in records {
            let host = record.host ?? "(not connected)"
            if byHost[host] == nil { order.append(host) }
            byHost[host, default: []].append(record)
        }
        let hosts = order.map { host in
            let commands = byHost[host] ?? []
            // The worst thing that happened on the host names its status.
            return Host(host: host, status: HostStatus(worstOf: commands.map(\.status)), commands: commands)
        }
        self.init(
            run: run, script: script, started: started, finished: finished, exitStatus: exitStatus, hosts: hosts,
            summary: nil)
    }

    /// The report as Markdown, one table per host. Every value passes ``ServerText/markdown(_:)``, as
    /// commands' messages and a signal's name may hold what a server sent.
    public var markdown: String {
        func row(_ cells: [String]) -> String {
            "| "
                + cells.map(ServerText.markdown)
                .joined(separator: " | ") + " |"
        }
        var lines = [
            "# Ferry run \(run)", "", "- script: \(ServerText.markdown(script ?? "(prompt)"))", "- started: \(started)",
            "- finished: \(finished)", "- exit status: \(exitStatus)", "",
        ]
        if let bwlimit { lines.insert("- transfers capped at \(bwlimit.description) for the run", at: lines.count - 1) }
        if let summary {
            lines.insert("- hosts: \(hosts.count) (" + HostStatus.tally(summary) + ")", at: lines.count - 1)
            // With --waves, each host's wave is a column.
            let waves = hosts.contains { $0.wave != nil }
            lines += [
                "| host | status | " + (waves ? "wave | " : "") + "failed command | seconds | message |",
                "| --- | --- | " + (waves ? "--- | " : "") + "--- | --- | --- |",
            ]
            for host in hosts {
                let cells =
                    [host.host, host.status.rawValue] + (waves ? [host.wave.map(String.init) ?? ""] : [])
                    + [
                        host.failedCommand ?? "", host.durationSeconds.map { String(format: "%.1f", $0) } ?? "",
                        host.message ?? "",
                    ]
                lines.append(row(cells))
            }
            lines.append("")
        }
        for host in hosts {
            lines += [
                "## \(ServerText.markdown(host.host)): \(host.status.rawValue)"
                    + (host.bwlimit.map { " (capped at \($0.description))" } ?? ""), "",
                "| line | command | status | exit | seconds | bytes | message |",
                "| --- | --- | --- | --- | --- | --- | --- |",
            ]
            for c in host.commands {
                let cells = [
                    c.line.map(String.init) ?? "", c.command, c.status.rawValue,
                    c.exitStatus.map(String.init) ?? c.signal ?? "", String(format: "%.3f", c.durationSeconds),
                    String(c.bytes),
                    [
                        c.mirror.map { String($0.line.dropFirst("mirror: ".count)) },
                        c.reconnects.map { "reconnected \($0) time(s)" },
                        c.resumed.map { "resumed " + $0.joined(separator: ", ") },
                        c.bwlimit.map { "capped at \($0.description)" }, c.message,
                    ].compactMap { $0 }.joined(separator: "; "),
                ]
                lines.append(row(cells))
            }
            lines.append("")
        }
        return lines.joined(separator: "\n")
    }

    /// The report at `path`, read whole (within the size a report may have) and decoded.
    public static func read(from path: String) throws(ReportReadError) -> RunReport {
        let data: Data
        do {
            data = try BoundedFile.read(path, limit: BoundedFile.Limit.report)
        } catch {
            throw ReportReadError(path: path, reason: error.reason)
        }
        do {
            return try JSONDecoder().decode(RunReport.self, from: data)
        } catch {
            throw ReportReadError(path: path, reason: "not a Ferry report.json")
        }
    }

    /// A time as reports write it (`started`, `finished`, a command's `started`), with or without
    /// fractions of a second.
    public static func time(_ text: String) -> Date? {
        (try? Date(text, strategy: wholeSeconds)) ?? (try? Date(text, strategy: fractions))
    }

    private static let wholeSeconds = Date.ISO8601FormatStyle()
    private static let fractions = Date.ISO8601FormatStyle(includingFractionalSeconds: true)

    /// Writes `report.json`, `report.md` and `report.html` into `folder`.
    public func write(to folder: String) throws(LocalFileError) {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        let json: Data
        do {
            json = try encoder.encode(self)
        } catch {
            throw LocalFileError(path: folder + "/report.json", operation: "encode", code: EINVAL)
        }
        try Self.write(json, to: folder + "/report.json")
        try Self.write(Data(markdown.utf8), to: folder + "/report.md")
        try writePage(to: folder + "/report.html")
    }

    /// Writes the report as one HTML page (``ReportPage``) at `path`, whole.
    public func writePage(to path: String) throws(LocalFileError) {
        try Self.write(Data(ReportPage(self).html.utf8), to: path)
    }

    /// Writes `data` to `path` whole, with errors that name the path and the system's reason: under
    /// a hidden name first, renamed over `path` once complete, so a reader never sees half a report.
    private static func write(_ data: Data, to path: String) throws(LocalFileError) {
        let part = PathRules.parent(path) + "/." + PathRules.lastComponent(path) + ".ferry-part"
        try writeWhole(data, to: part)
        if rename(part, path) != 0 {
            let failure = LocalFileError(path: path, operation: "rename into place")
            unlink(part)
            throw failure
        }
    }

    private static func writeWhole(_ data: Data, to path: String) throws(LocalFileError) {
        let file = try LocalFile(path: path, flags: O_WRONLY | O_CREAT | O_TRUNC, mode: 0o644, operation: "create")
        var failure: LocalFileError?
        data.withUnsafeBytes { bytes in
            do throws(LocalFileError) {
                try file.write(bytes)
            } catch {
                failure = error
            }
        }
        if let failure { throw failure }
        try file.close()
    }
}

/// Why a `report.json` could not be read: its path and the reason.
public struct ReportReadError: Error, CustomStringConvertible, Sendable {
    public var path: String
    /// `no such file`, `not a Ferry report.json`, …
    public var reason: String

    public var description: String { "report \(path): \(reason)" }
}
