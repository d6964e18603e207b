/// How a batch script runs (psftp's `-bc` and `-be`).
public struct BatchOptions: Sendable {
    /// Print each command before running it, as `ferry> command`.
    public var echo = false
    /// Keep going after a failed command; the failure still makes the exit status non-zero.
    public var keepGoing = false

    /// Creates options.
    public init(echo: Bool = false, keepGoing: Bool = false) {
        self.echo = echo
        self.keepGoing = keepGoing
    }
}

extension Interpreter {
    /// Runs every line of `script` and returns the exit status: 0 when every counted command succeeded,
    /// otherwise the class of the first counted failure.
    public func run(_ script: Script, options: BatchOptions) -> Int32 {
        var status: Int32 = 0
        for line in script.lines {
            if options.echo { console.print("ferry> \(line.text)") }
            do {
                if try execute(line.command) == .quit { break }
            } catch {
                console.report(error.message)
                if line.ignoresFailure { continue }
                if status == 0 { status = error.failureClass.exitStatus }
                if !options.keepGoing {
                    console.report("ferry: \(script.file):\(line.line): command failed; stopping (-be keeps going)")
                    break
                }
            }
        }
        return status
    }
}
