import ArgumentParser
import FerryCore
import FerryTransfer
import FerryTransport
import Foundation

/// `ferry key convert IN.ppk OUT`: a PuTTY key file as an OpenSSH private key.
struct KeyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ferry key", abstract: "Work with private key files.", subcommands: [Convert.self])

    struct Convert: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Write a PuTTY .ppk key as an OpenSSH private key (mode 0600).",
            discussion: """
                The OpenSSH key is written without a passphrase; add one with 'ssh-keygen -p -f OUT'.
                A passphrase for the PuTTY file comes from FERRY_PASSPHRASE or is asked on the terminal.
                """)

        @Argument(help: ArgumentHelp("The PuTTY key file.", valueName: "in.ppk"))
        var input: String
        @Argument(help: ArgumentHelp("Where to write the OpenSSH key.", valueName: "out"))
        var output: String
        @Flag(name: .customLong("force"), help: "Replace the output file if it exists.")
        var force = false
        @Flag(name: .customLong("batch", withSingleDash: true), help: "Never ask for a passphrase.")
        var batch = false

        func run() throws {
            let environment = ProcessInfo.processInfo.environment
            do {
                let key = try KeyConversion.openSSHKey(fromPuTTY: input) {
                    environment["FERRY_PASSPHRASE"] ?? (batch ? nil : TerminalPrompter().passphrase(keyPath: input))
                }
                try KeyConversion.write(key, to: output, replacing: force)
            } catch {
                FileHandle.standardError.write(Data("ferry: \(error)\n".utf8))
                throw ExitCode(FailureClass.usage.exitStatus)
            }
            print("Wrote \(output) (OpenSSH format, mode 0600, no passphrase)")
        }
    }
}
