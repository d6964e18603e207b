import ArgumentParser
import FerryApp
import FerryCore
import FerryTransfer
import Foundation

/// `ferry report merge DIR [-o OUT]`: the reports of a run's shards as one.
struct ReportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ferry report", abstract: "Work with run reports.", subcommands: [Merge.self, Page.self])

    struct Merge: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Merge the reports of a run's shards (DIR/shard-K-of-N/report.json) into one.",
            discussion: """
                The shards must share the run id, the inventory and the number of shards; each shard's latest \
                attempt counts; the hosts of a shard that never reported are listed as not-run. The exit status \
                is the one a single run over every host would have had (0, 9 or 130); 2 when the shards do \
                not belong together.
                """)

        @Argument(help: ArgumentHelp("The run's folder, holding shard-K-of-N folders.", valueName: "dir"))
        var directory: String
        @Option(
            name: .customShort("o"),
            help: ArgumentHelp(
                "Where to write report.json, report.md and report.html (default: DIR).", valueName: "out"))
        var output: String?

        func run() throws {
            let outcome: ShardMerge.Outcome
            do {
                outcome = try ShardMerge.merge(directory: directory)
            } catch {
                FileHandle.standardError.write(Data((error.description + "\n").utf8))
                throw ExitCode(FailureClass.usage.exitStatus)
            }
            let folder = output ?? directory
            do {
                try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
                try outcome.report.write(to: folder)
            } catch {
                FileHandle.standardError.write(
                    Data("ferry: cannot write the merged report in \(folder): \(error)\n".utf8))
                throw ExitCode(FailureClass.transfer.exitStatus)
            }
            for note in outcome.notes { print(note) }
            print("\(outcome.report.hosts.count) hosts: " + HostStatus.tally(outcome.report.summary ?? [:]))
            print("Report: \(folder)/report.md")
            if outcome.status != 0 { throw ExitCode(outcome.status) }
        }
    }

    struct Page: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "html",
            abstract: "Draw a report.json (one run's or a merged one) as report.html.",
            discussion: """
                One self-contained page: the run's status and counts, the hosts that did not end ok first, \
                the rate of transfer over the run, and a timeline with a row per host. Links to each host's \
                files are relative to the page, so it belongs beside the report.json it draws.
                """)

        @Argument(
            help: ArgumentHelp("The report to draw.", valueName: "report.json"), completion: .file(extensions: ["json"])
        )
        var path: String
        @Option(
            name: .customShort("o"),
            help: ArgumentHelp("Where to write the page (default: report.html beside the report).", valueName: "out"))
        var output: String?

        func run() throws {
            let report: RunReport
            do {
                report = try Setup.readReport(path)
            } catch {
                FileHandle.standardError.write(Data((error.description + "\n").utf8))
                throw ExitCode(FailureClass.usage.exitStatus)
            }
            let target = output ?? (URL(fileURLWithPath: path).deletingLastPathComponent().path + "/report.html")
            do {
                try report.writePage(to: target)
            } catch {
                FileHandle.standardError.write(Data("ferry: cannot write \(target): \(error)\n".utf8))
                throw ExitCode(FailureClass.transfer.exitStatus)
            }
            print("Report: \(target)")
        }
    }
}
