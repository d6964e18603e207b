/// Chooses between the psftp-style command line and `ferry session …`.
///
/// The main command takes a host as its first positional argument, so the word `session` is
/// recognised here, before argument parsing, rather than as an argument-parser subcommand.
@main
enum Entry {
    static func main() {
        let arguments = Array(CommandLine.arguments.dropFirst())
        if arguments.first == "session" {
            SessionCommand.main(Array(arguments.dropFirst()))
        } else {
            Ferry.main(arguments)
        }
    }
}
