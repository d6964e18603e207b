import FerryBase

/// A proxy command or Telnet login template: PuTTY's `%host`, `%port`, `%user`, `%pass`, `%%` and
/// backslash escapes (`\n`, `\r`, `\t`, `\\`, `\%`, `\xHH`), and OpenSSH's `%h`, `%p` and `%r`.
///
/// The values are never trusted to be harmless, whatever checked them before. In a local command
/// (``Destination/shell``) each value is quoted for `/bin/sh` in the quoting the template has at that
/// point (bare, inside `'…'` or inside `"…"`), so it is always one literal word there. On a Telnet
/// proxy's command line (``Destination/line``) a value holding a line break or NUL is refused, so it
/// cannot start a second command.
public struct ProxyTemplate: Sendable, Equatable {
    /// Where the expanded text goes.
    public enum Destination: Sendable {
        /// `/bin/sh -c`: values are shell-quoted.
        case shell
        /// A line protocol (the Telnet proxy): values may not hold CR, LF or NUL.
        case line
    }

    /// Why a template could not be expanded safely.
    public struct Refusal: Error, Equatable, Sendable {
        public var reason: String
    }

    /// The template as written.
    public var text: String

    /// Creates a template.
    public init(_ text: String) {
        self.text = text
    }

    /// How the shell reads the text made so far.
    private enum Quoting { case bare, single, double }

    /// The template with the values in place, made safe for `destination`.
    public func expand(
        host: String, port: Int, user: String?, password: String?, for destination: Destination
    ) throws(Refusal) -> String {
        let values: [(token: String, name: String, value: String)] = [
            ("host", "host name", host), ("port", "port", String(port)), ("user", "user name", user ?? ""),
            ("pass", "password", password ?? ""), ("h", "host name", host), ("p", "port", String(port)),
            ("r", "user name", user ?? ""),
        ]
        var output = ""
        var quoting = Quoting.bare
        var escaping = false
        /// Adds template text, following the shell's quoting as it goes.
        func literal(_ c: Character) {
            output.append(c)
            if escaping {
                escaping = false
                return
            }
            switch (quoting, c) {
            case (.bare, "\\"), (.double, "\\"): escaping = true
            case (.bare, "'"): quoting = .single
            case (.bare, "\""): quoting = .double
            case (.single, "'"), (.double, "\""): quoting = .bare
            default: break
            }
        }
        var chars = Array(text)[...]
        while let c = chars.popFirst() {
            if c == "\\", let next = chars.first {
                chars = chars.dropFirst()
                switch next {
                case "n": literal("\n")
                case "r": literal("\r")
                case "t": literal("\t")
                case "\\": literal("\\")
                case "%": literal("%")
                case "x":
                    let hex = String(chars.prefix(2))
                    if hex.count == 2, let value = UInt8(hex, radix: 16) {
                        literal(Character(UnicodeScalar(value)))
                        chars = chars.dropFirst(2)
                    } else {
                        literal("\\")
                        literal("x")
                    }
                default:
                    literal("\\")
                    literal(next)
                }
                continue
            }
            guard c == "%" else {
                literal(c)
                continue
            }
            if chars.first == "%" {
                chars = chars.dropFirst()
                literal("%")
                continue
            }
            guard let found = values.first(where: { chars.starts(with: $0.token) }) else {
                literal("%")
                continue
            }
            chars = chars.dropFirst(found.token.count)
            switch destination {
            case .line:
                if found.value.unicodeScalars.contains(where: { $0 == "\r" || $0 == "\n" || $0 == "\0" }) {
                    throw Refusal(reason: "the \(found.name) holds a line break or NUL")
                }
                output += found.value
            case .shell:
                if escaping {
                    throw Refusal(reason: "a backslash stands right before %\(found.token) in the command")
                }
                output += Self.quoted(found.value, in: quoting)
            }
        }
        return output
    }

    /// `value` as one literal word for `/bin/sh` where the quoting is `quoting`.
    private static func quoted(_ value: String, in quoting: Quoting) -> String {
        switch quoting {
        case .bare: ShellWord.quoted(value)
        case .single: value.replacing("'", with: "'\\''")
        case .double:
            String(value.flatMap { "$`\"\\".contains($0) ? ["\\", $0] : [$0] })
        }
    }
}
