import Foundation
import Testing

@testable import FerryBase
@testable import FerryCore
@testable import FerryScript
@testable import FerryTransfer
@testable import FerryTransport

/// One host's interpreter over an in-memory remote tree and a local scratch folder: commands run as
/// a script would run them, with no sockets and no server.
final class FakeHost {
    let tree = FakeRemoteTree()
    let files: FakeRemoteFiles
    let local: String
    let console = RecordingConsole()
    let interpreter: Interpreter

    init(retries: Int = 0) throws {
        local = try scratchFolder("host")
        files = tree.connection("main")
        var settings = InterpreterSettings(
            defaultUser: "me",
            connect: ConnectOptions(
                auth: AuthOptions(user: "me"),
                verifier: HostKeyVerifier(pins: [], knownHostsPath: local + "/known_hosts", prompter: nil)))
        settings.localDirectory = local
        settings.diagnosticsRoot = local + "/diagnostics"
        settings.transferConnections = 1
        settings.retries = retries
        interpreter = Interpreter(settings: settings, console: console, files: files)
    }

    deinit { try? FileManager.default.removeItem(atPath: local) }

    /// `line` as a script line's command.
    func command(_ line: String) throws -> Command {
        let script = try ScriptParser.parse(line + "\n", file: "t.scr")
        return try #require(script.lines.first).command
    }

    /// Runs `line` as a script would, noting finished files in `ledger` when one is given.
    @discardableResult
    func run(_ line: String, ledger: RetryLedger? = nil) throws -> CommandOutcome {
        try interpreter.execute(command(line), ledger: ledger)
    }

    /// The files under the local folder (or `folder` inside it), by path inside it, with their contents.
    func localFiles(in folder: String = "") -> [String: Data] {
        let root = folder.isEmpty ? local : local + "/" + folder
        var found: [String: Data] = [:]
        for case let path as String in FileManager.default.enumerator(atPath: root)?.allObjects ?? [] {
            var isFolder: ObjCBool = false
            if FileManager.default.fileExists(atPath: root + "/" + path, isDirectory: &isFolder), !isFolder.boolValue {
                found[path] = FileManager.default.contents(atPath: root + "/" + path)
            }
        }
        return found
    }

    func writeLocal(_ path: String, _ text: String, modified: Date? = nil) throws {
        let full = local + "/" + path
        try FileManager.default.createDirectory(
            atPath: PathRules.parent(full), withIntermediateDirectories: true)
        try Data(text.utf8).write(to: URL(fileURLWithPath: full))
        if let modified {
            try FileManager.default.setAttributes([.modificationDate: modified], ofItemAtPath: full)
        }
    }
}

@Suite("The interpreter over an in-memory host")
struct InterpreterTests {
    func data(_ text: String) -> Data { Data(text.utf8) }

    // MARK: mget and mput: which files are chosen

    @Test func mgetTakesTheMatchingFilesOnlyAndSaysWhatItSkips() throws {
        let host = try FakeHost()
        host.tree.addFile("/var/log/a.log", data("alpha"))
        host.tree.addFile("/var/log/b.log", data("bravo"))
        host.tree.addFile("/var/log/c.txt", data("charlie"))
        host.tree.addFile("/var/log/.hidden.log", data("h"))
        host.tree.addFolder("/var/log/old.log")
        try host.run("cd /var/log")
        let outcome = try host.run("mget *.log")
        #expect(outcome.files == 2)
        #expect(outcome.bytes == 10)
        #expect(host.localFiles() == ["a.log": data("alpha"), "b.log": data("bravo")])
        #expect(
            host.console.output.suffix(2) == [
                "remote:/var/log/a.log => local:a.log", "remote:/var/log/b.log => local:b.log",
            ])
        #expect(host.console.problems.contains("mget: /var/log/old.log: skipping directory (use mget -r)"))
    }

    @Test func mgetWithNothingMatchingWarnsAndWritesNothing() throws {
        let host = try FakeHost()
        host.tree.addFile("/data/a.bin", data("a"))
        let outcome = try host.run("mget /data/*.iso")
        #expect(outcome.files == 0)
        #expect(host.console.problems == ["warning: mget: /data/*.iso: nothing matched"])
        #expect(host.localFiles().isEmpty)
    }

    @Test func mputSendsTheLocalMatchesIntoPlaceAndLeavesNoPartFiles() throws {
        let host = try FakeHost()
        host.tree.addFolder("/etc/app")
        try host.writeLocal("x.conf", "x=1")
        try host.writeLocal("y.conf", "y=2")
        try host.writeLocal("z.txt", "z")
        try host.writeLocal("sub.conf/inner", "folder, not a file")
        try host.run("cd /etc/app")
        let outcome = try host.run("mput *.conf")
        #expect(outcome.files == 2)
        #expect(host.console.problems == ["mput: sub.conf: skipping directory (use mput -r)"])
        #expect(host.tree.files(under: "/etc/app") == ["x.conf": data("x=1"), "y.conf": data("y=2")])
    }

    // MARK: mirror: plan, print, apply

    @Test func mirrorMakesTheLocalTreeMatchAndASecondRunHasNothingToDo() throws {
        let host = try FakeHost()
        host.tree.addFile("/srv/site/index.html", data("<h1>new</h1>"), modified: 1_700_000_000)
        host.tree.addFile("/srv/site/css/main.css", data("body{}"), modified: 1_700_000_000)
        host.tree.addFile("/srv/site/same.txt", data("same"), modified: 1_700_000_000)
        host.tree.addFolder("/srv/site/empty")
        try host.writeLocal("copy/index.html", "<h1>old</h1>", modified: Date(timeIntervalSince1970: 1_600_000_000))
        try host.writeLocal("copy/same.txt", "same", modified: Date(timeIntervalSince1970: 1_700_000_000))
        try host.writeLocal("copy/stale/gone.txt", "gone")

        // A dry run prints the plan and changes nothing.
        let dry = try host.run("mirror --delete --dry-run /srv/site copy")
        #expect(dry.mirror?.dryRun == true)
        #expect((dry.mirror?.new, dry.mirror?.changed, dry.mirror?.deleted) == (1, 1, 2))
        #expect(host.localFiles(in: "copy").keys.sorted() == ["index.html", "same.txt", "stale/gone.txt"])

        let applied = try host.run("mirror --delete /srv/site copy")
        let summary = try #require(applied.mirror)
        #expect((summary.new, summary.changed, summary.deleted, summary.unchanged) == (1, 1, 2, 1))
        #expect(summary.folders == 2)
        #expect(!summary.dryRun)
        #expect(
            host.localFiles(in: "copy") == [
                "index.html": data("<h1>new</h1>"), "css/main.css": data("body{}"), "same.txt": data("same"),
            ])
        var isFolder: ObjCBool = false
        #expect(FileManager.default.fileExists(atPath: host.local + "/copy/empty", isDirectory: &isFolder))
        #expect(!FileManager.default.fileExists(atPath: host.local + "/copy/stale"))
        // Times are kept, so the next run sees nothing to move.
        let again = try #require(try host.run("mirror --delete /srv/site copy").mirror)
        #expect((again.new, again.changed, again.deleted) == (0, 0, 0))
        #expect(again.unchanged == 5)
    }

    @Test func mirrorUploadWithoutDeleteKeepsWhatOnlyTheTargetHas() throws {
        let host = try FakeHost()
        host.tree.addFile("/backup/only-remote.txt", data("kept"))
        try host.writeLocal("src/a.txt", "a")
        try host.writeLocal("src/deep/b.txt", "bb")
        let summary = try #require(try host.run("mirror -R src /backup").mirror)
        #expect((summary.new, summary.changed, summary.deleted) == (2, 0, 0))
        #expect(
            host.tree.files(under: "/backup") == [
                "only-remote.txt": data("kept"), "a.txt": data("a"), "deep/b.txt": data("bb"),
            ])
    }

    @Test func mirrorLeavesAFileFacingAFolderAloneWithoutDelete() throws {
        let host = try FakeHost()
        host.tree.addFile("/srv/x/conf", data("a file on the server"))
        try host.writeLocal("copy/conf/inside", "a folder here")
        let summary = try #require(try host.run("mirror /srv/x copy").mirror)
        #expect(summary.skipped == 1)
        #expect(host.localFiles(in: "copy") == ["conf/inside": data("a folder here")])
    }

    // MARK: reconnect bookkeeping

    @Test func aCutTransferKeepsWhatArrivedAndItsRepeatMovesOnlyTheRest() throws {
        let host = try FakeHost(retries: 3)
        let contents = (0..<4).map { Data(repeating: UInt8(65 + $0), count: 5000) }
        for (index, name) in ["a", "b", "c", "d"].enumerated() {
            host.tree.addFile("/data/\(name).bin", contents[index])
        }
        // The connection is lost 1,200 bytes into the third file.
        host.files.cutPath = "/data/c.bin"
        host.files.cutAfter = 1200
        let first = try host.command("mget /data/*.bin")
        let ledger = RetryLedger()
        do {
            _ = try host.interpreter.execute(first, ledger: ledger)
            Issue.record("the cut did not fail the command")
        } catch {
            #expect(error.failureClass == .connection)
        }
        // What finished is in the ledger; what arrived of the cut file is kept under its part name.
        #expect(
            try Self.jobs(of: first, in: host).filter(ledger.isFinished).map(\.remotePath) == [
                "/data/a.bin", "/data/b.bin",
            ])
        #expect(
            host.localFiles() == [
                "a.bin": contents[0], "b.bin": contents[1], ".c.bin.ferry-part": contents[2].prefix(1200),
            ])

        // The command is repeated as its resuming form, and only the unfinished files move again.
        let again = try #require(Interpreter.repeatable(first))
        guard case .transfer(let transfer) = again else {
            Issue.record("mget was not repeated as a transfer")
            return
        }
        #expect(transfer.resume)
        ledger.retrying = true
        host.console.output.removeAll()
        let outcome = try host.interpreter.execute(again, ledger: ledger)
        #expect(outcome.files == 2)
        #expect(
            host.console.output == [
                "mget: restarting at file position 1200", "remote:/data/c.bin => local:c.bin",
                "remote:/data/d.bin => local:d.bin",
            ])
        #expect(ledger.resumed == ["/data/c.bin from byte 1200"])
        #expect(
            host.localFiles() == [
                "a.bin": contents[0], "b.bin": contents[1], "c.bin": contents[2], "d.bin": contents[3],
            ])
    }

    @Test func commandsTheServerMayHaveActedOnAreNeverRepeated() throws {
        let host = try FakeHost()
        for line in ["rm /x", "mkdir /x", "rmdir /x", "mv /a /b", "chmod 644 /x", "run uptime", "mirror /a b"] {
            #expect(Interpreter.repeatable(try host.command(line)) == nil, "\(line)")
        }
        for line in ["ls", "pwd", "cd /tmp"] {
            let command = try host.command(line)
            #expect(Interpreter.repeatable(command) == command, "\(line)")
        }
        guard case .transfer(let put)? = Interpreter.repeatable(try host.command("put a /b")) else {
            Issue.record("put was not repeated")
            return
        }
        #expect(put.resume)
    }

    @Test func aDownloadThatGivesUpSaysHowToContinueIt() throws {
        let host = try FakeHost()
        let cut = CommandFailure(.connection, "db1: connection lost")
        let download = Interpreter.givingUp(cut, on: try host.command("get /big.iso"))
        #expect(download.failureClass == .connection)
        #expect(download.message.hasPrefix("db1: connection lost; what arrived is kept as .NAME.ferry-part"))
        #expect(download.message.hasSuffix("the same command with -a (or reget) continues it"))
        #expect(Interpreter.givingUp(cut, on: try host.command("put /big.iso")).message == cut.message)
    }

    /// The jobs `command` plans on `host`, to name what a ledger holds.
    static func jobs(of command: Command, in host: FakeHost) throws -> [TransferJob] {
        guard case .transfer(let transfer) = command else { return [] }
        return try host.interpreter.planner("mget").planDownload(transfer)
    }
}
