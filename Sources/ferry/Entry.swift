import ArgumentParser
import FerryBase
import FerryCore
import FerryTransfer
import Foundation

/// Chooses between the psftp-style command line, `ferry session …`, `ferry key …` and `ferry report …`.
///
/// The main command takes a host as its first positional argument, so the word `session` is
/// recognised here (as is `key`), before argument parsing, rather than as an argument-parser subcommand.
/// The words after the first `--` are the batch script's arguments (`$1`, `$2`, …), kept apart from the
/// hosts before argument parsing sees them.
@main
enum Entry {
    /// The words after `--` on the command line, set once before the command runs.
    nonisolated(unsafe) static var scriptArguments: [String] = []

    static func main() {
        DescriptorLimit.raiseToHard()
        var arguments = Array(CommandLine.arguments.dropFirst())
        if arguments.first == "session" {
            SessionCommand.main(Array(arguments.dropFirst()))
        } else if arguments.first == "key" {
            KeyCommand.main(Array(arguments.dropFirst()))
        } else if arguments.first == "report" {
            ReportCommand.main(Array(arguments.dropFirst()))
        } else {
            // The shells' completion scripts call back as `ferry ---completion -- …`: theirs to parse.
            if arguments.first != "---completion", let terminator = arguments.firstIndex(of: "--") {
                scriptArguments = Array(arguments[(terminator + 1)...])
                arguments.removeSubrange(terminator...)
            }
            runFerry(arguments)
        }
    }

    /// Parses and runs the main command. A command line Ferry cannot use ends with status 2, the status
    /// for usage and script errors, rather than the argument parser's own 64.
    static func runFerry(_ arguments: [String]) -> Never {
        if arguments.first != "---completion", let (word, suggestion) = OptionSpelling.unknownWord(in: arguments) {
            let message = OptionSpelling.message(for: word, suggestion: suggestion)
            FileHandle.standardError.write(Data((message + "\n").utf8))
            exit(FailureClass.usage.exitStatus)
        }
        do {
            var command = try Ferry.parseAsRoot(arguments)
            try command.run()
            Ferry.exit()
        } catch {
            if Ferry.exitCode(for: error) == .validationFailure {
                // One error a line is enough: the parser's second guess ("or: …") only confuses.
                let message = Ferry.fullMessage(for: error).split(separator: "\n", omittingEmptySubsequences: false)
                    .filter { !$0.hasPrefix("   or: ") }.joined(separator: "\n")
                FileHandle.standardError.write(Data((message + "\n").utf8))
                exit(FailureClass.usage.exitStatus)
            }
            Ferry.exit(withError: error)
        }
    }
}
