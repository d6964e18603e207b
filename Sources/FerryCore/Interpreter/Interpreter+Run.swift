import FerryBase
import FerryScript
import FerryTransfer
import FerryTransport
import Foundation

extension Interpreter {
    /// `run`: runs a remote command, streams what it prints, and keeps stdout, stderr and a record of how
    /// it ended in `<diagnostics>/<run>/<host>/`.
    func runRemote(_ request: RemoteRun) throws(CommandFailure) -> CommandOutcome {
        let connection = try connected("run")
        let folder = try diagnosticsFolder(for: hostName ?? connection.target.host)
        runCounter += 1
        let base = request.outputName ?? String(format: "%02d-", runCounter) + Self.fileStem(for: request.command)
        let stdoutPath = folder + "/" + base + ".stdout"
        let stderrPath = folder + "/" + base + ".stderr"
        let out = try Self.create(stdoutPath)
        let err = try Self.create(stderrPath)
        let started = Date()
        var sanitizer = TerminalSanitizer()
        var errorSanitizer = TerminalSanitizer()
        var bytes: UInt64 = 0
        let end: RemoteCommandEnd
        do {
            end = try connection.run(
                request.command, timeout: request.timeout, cancellation: settings.cancellation,
                stdout: { chunk in
                    bytes += UInt64(chunk.count)
                    try out.write(contentsOf: Data(chunk))
                    self.console.stream(sanitizer.clean(chunk), isError: false)
                },
                stderr: { chunk in
                    bytes += UInt64(chunk.count)
                    try err.write(contentsOf: Data(chunk))
                    self.console.stream(errorSanitizer.clean(chunk), isError: true)
                })
        } catch {
            try? out.close()
            try? err.close()
            let failure = CommandFailure(error, context: "run: \(request.command)")
            if failure.failureClass == .connection { forgetLostConnection() }
            var outcome = CommandOutcome(bytes: bytes)
            outcome.output = base
            throw (failure.failureClass == .transfer ? CommandFailure(.command, failure.message) : failure)
                .having(outcome)
        }
        try? out.close()
        try? err.close()
        let seconds = Date().timeIntervalSince(started)
        var record = RemoteRunRecord(
            command: request.command, host: hostName ?? connection.target.host,
            started: ISO8601DateFormatter().string(from: started), durationSeconds: (seconds * 1000).rounded() / 1000,
            stdout: base + ".stdout", stderr: base + ".stderr")
        let failure = Self.judge(end, of: request.command, record: &record)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        if let data = try? encoder.encode(record) {
            try? data.write(to: URL(fileURLWithPath: folder + "/" + base + ".json"))
        }
        var outcome = CommandOutcome(bytes: bytes, remoteEnd: end)
        outcome.output = base
        if let failure { throw failure.having(outcome) }
        return outcome
    }

    /// Notes in `record` how a remote command ended, and returns the failure that makes, if any.
    static func judge(_ end: RemoteCommandEnd, of command: String, record: inout RemoteRunRecord) -> CommandFailure? {
        switch end {
        case .exited(let code):
            record.exitStatus = Int(code)
            return code == 0 ? nil : CommandFailure(.command, "run: '\(command)' exited with status \(code)")
        case .signalled(let signal):
            record.signal = signal
            return CommandFailure(.command, "run: '\(command)' was killed by signal \(signal)")
        case .timedOut(let limit):
            record.timedOutAfterSeconds = limit
            return CommandFailure(.command, "run: '\(command)' did not finish within \(limit) s")
        case .interrupted:
            record.interrupted = true
            return CommandFailure.interrupted("run: '\(command)'")
        }
    }

    /// `collect`: downloads matching files to `<host folder>/files/<remote path>`, keeping their
    /// permission bits and times (never set-ID bits: see ``ServerMode``).
    func collect(_ patterns: [String], recursive: Bool, ledger: RetryLedger?) throws(CommandFailure)
        -> CommandOutcome
    {
        let connection = try connected("collect")
        let planner = try planner("collect")
        let root = DownloadRoot(try diagnosticsFolder(for: hostName ?? connection.target.host) + "/files")
        let jobs = try droppingLostConnection { () throws(CommandFailure) in
            try planner.planCollect(patterns, recursive: recursive, into: root)
        }
        return jobs.isEmpty ? CommandOutcome() : try execute(jobs, command: "collect", ledger: ledger)
    }

    /// The folder for `host` in this run's diagnostics folder, made on first use.
    func diagnosticsFolder(for host: String) throws(CommandFailure) -> String {
        let folder = try currentRunFolder() + "/" + PathRules.safeComponent(host)
        try LocalFolder.make(folder, failing: "run: cannot create diagnostics folder")
        return folder
    }

    /// A new run folder's path, `<root>/<yyyymmdd-hhmmss>-<id>` (not made yet).
    package static func newRunFolder(in root: String) -> String {
        let formatter = DateFormatter()
        formatter.dateFormat = "yyyyMMdd-HHmmss"
        formatter.locale = Locale(identifier: "en_US_POSIX")
        let id = String(UInt32.random(in: 0...UInt32.max), radix: 36)
        return root + "/" + formatter.string(from: Date()) + "-" + id
    }

    /// This run's folder, `<diagnostics>/<yyyymmdd-hhmmss>-<id>`, made on first use.
    func currentRunFolder() throws(CommandFailure) -> String {
        if runFolder == nil { runFolder = Self.newRunFolder(in: settings.diagnosticsRoot) }
        let folder = runFolder ?? settings.diagnosticsRoot
        try LocalFolder.make(folder, failing: "cannot create diagnostics folder")
        return folder
    }

    private static func create(_ path: String) throws(CommandFailure) -> FileHandle {
        guard FileManager.default.createFile(atPath: path, contents: nil),
            let handle = FileHandle(forWritingAtPath: path)
        else { throw CommandFailure(.transfer, "run: cannot create \(path)") }
        return handle
    }

    /// A file-name-safe stem: the command's first word (or the host), letters, digits, `.`, `-`, `_` only.
    static func fileStem(for text: String) -> String {
        let word = text.split(separator: " ").first.map(String.init) ?? "command"
        let name = PathRules.lastComponent(word)
        let safe = String(name.map { $0.isLetter || $0.isNumber || "._-".contains($0) ? $0 : "_" }.prefix(40))
        return safe.isEmpty || safe.hasPrefix(".") ? "command" : safe
    }
}
