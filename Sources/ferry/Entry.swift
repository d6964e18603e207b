/// Chooses between the psftp-style command line, `ferry session …` and `ferry key …`.
///
/// The main command takes a host as its first positional argument, so the word `session` is
/// recognised here (as is `key`), before argument parsing, rather than as an argument-parser subcommand.
@main
enum Entry {
    static func main() {
        let arguments = Array(CommandLine.arguments.dropFirst())
        if arguments.first == "session" {
            SessionCommand.main(Array(arguments.dropFirst()))
        } else if arguments.first == "key" {
            KeyCommand.main(Array(arguments.dropFirst()))
        } else {
            Ferry.main(arguments)
        }
    }
}
