import ArgumentParser
import FerryScript
import Foundation

/// psftp's options are whole words after one dash (`-batch`, `-pw`), which the argument parser would
/// otherwise read as bundled one-letter flags: `-batchx` as `-b -a -t -c -h -x`, so a typo printed
/// the help, and `-bogus` gave two errors about letters nobody typed. A word after one dash that is
/// not one of Ferry's own names (nor an option's value) is refused here, whole, by its name.
enum OptionSpelling {
    /// The single-dash spellings Ferry knows (`b`, `bc`, `batch`, …) and those that take a value.
    struct Names {
        var all: Set<String> = []
        var takingValue: Set<String> = []
        var longTakingValue: Set<String> = []
    }

    private struct Dump: Decodable {
        struct Command: Decodable { var arguments: [Argument]? }
        struct Argument: Decodable {
            struct Name: Decodable {
                var kind: String
                var name: String
            }
            var kind: String
            var names: [Name]?
        }
        var command: Command
    }

    /// Ferry's option names, from the argument parser's own description of the command.
    static let names: Names = {
        var names = Names()
        guard let dump = try? JSONDecoder().decode(Dump.self, from: Data(Ferry._dumpHelp().utf8)) else {
            return names
        }
        for argument in dump.command.arguments ?? [] {
            for name in argument.names ?? [] {
                if name.kind == "long" {
                    if argument.kind == "option" { names.longTakingValue.insert(name.name) }
                    continue
                }
                names.all.insert(name.name)
                if argument.kind == "option" { names.takingValue.insert(name.name) }
            }
        }
        return names
    }()

    /// The first word of `arguments` that looks like a single-dash option Ferry does not have, with
    /// the nearest name it does have.
    static func unknownWord(in arguments: [String]) -> (word: String, suggestion: String?)? {
        let names = Self.names
        guard !names.all.isEmpty else { return nil }
        var expectsValue = false
        for word in arguments {
            if expectsValue {
                expectsValue = false
                continue
            }
            if word.hasPrefix("--") {
                let name = String(word.dropFirst(2))
                expectsValue = !name.contains("=") && names.longTakingValue.contains(name)
                continue
            }
            guard word.hasPrefix("-"), word.count > 1 else { continue }
            let name = String(word.dropFirst())
            if names.all.contains(name) {
                expectsValue = names.takingValue.contains(name)
                continue
            }
            // One-letter flags may still be bundled (`-vv`), as long as none of them takes a value.
            if name.allSatisfy({ names.all.contains(String($0)) && !names.takingValue.contains(String($0)) }) {
                continue
            }
            let guess = ScriptParser.closest(to: name, among: Array(names.all), within: 2).map { "-" + $0 }
            return (word, guess)
        }
        return nil
    }

    /// The lines a refused word gets: the error and how to find the usage, as for any other error.
    static func message(for word: String, suggestion: String?) -> String {
        "Error: Unknown option '\(word)'" + (suggestion.map { ". Did you mean '\($0)'?" } ?? "") + "\n"
            + "Usage: \(Ferry.usageString())\n  See 'ferry --help' for more information."
    }
}
