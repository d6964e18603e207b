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

    /// A piece of the template once its escapes are read: a character as written, or a value's token.
    private enum Part: Equatable {
        case literal(Character)
        case value(String)
    }

    /// The tokens a template may use.
    private static let tokens = ["host", "port", "user", "pass", "h", "p", "r"]

    /// The template with the values in place, made safe for `destination`.
    public func expand(
        host: String, port: Int, user: String?, password: String?, for destination: Destination
    ) throws(Refusal) -> String {
        let values: [String: (name: String, value: String)] = [
            "host": ("host name", host), "port": ("port", String(port)), "user": ("user name", user ?? ""),
            "pass": ("password", password ?? ""), "h": ("host name", host), "p": ("port", String(port)),
            "r": ("user name", user ?? ""),
        ]
        var output = ""
        var quoting = Quoting.bare
        var escaping = false
        for part in parts() {
            switch part {
            case .literal(let c):
                output.append(c)
                Self.follow(c, quoting: &quoting, escaping: &escaping)
            case .value(let token):
                guard let (name, value) = values[token] else { continue }
                switch destination {
                case .line:
                    if value.unicodeScalars.contains(where: { $0 == "\r" || $0 == "\n" || $0 == "\0" }) {
                        throw Refusal(reason: "the \(name) holds a line break or NUL")
                    }
                    output += value
                case .shell:
                    if escaping { throw Refusal(reason: "a backslash stands right before %\(token) in the command") }
                    output += Self.quoted(value, in: quoting)
                }
            }
        }
        return output
    }

    /// Follows the shell's quoting over one character of template text.
    private static func follow(_ c: Character, quoting: inout Quoting, escaping: inout Bool) {
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

    /// The template as characters and tokens: PuTTY's backslash escapes read, `%%` as one `%`, and a
    /// `%` before anything that is not a token kept as it is.
    private func parts() -> [Part] {
        var parts: [Part] = []
        var chars = Array(text)[...]
        while let c = chars.popFirst() {
            if c == "\\", let next = chars.first {
                chars = chars.dropFirst()
                switch next {
                case "n": parts.append(.literal("\n"))
                case "r": parts.append(.literal("\r"))
                case "t": parts.append(.literal("\t"))
                case "\\", "%": parts.append(.literal(next))
                case "x":
                    if let value = UInt8(String(chars.prefix(2)), radix: 16), chars.prefix(2).count == 2 {
                        parts.append(.literal(Character(UnicodeScalar(value))))
                        chars = chars.dropFirst(2)
                    } else {
                        parts += [.literal("\\"), .literal("x")]
                    }
                default: parts += [.literal("\\"), .literal(next)]
                }
            } else if c == "%", chars.first == "%" {
                chars = chars.dropFirst()
                parts.append(.literal("%"))
            } else if c == "%", let token = Self.tokens.first(where: { chars.starts(with: $0) }) {
                chars = chars.dropFirst(token.count)
                parts.append(.value(token))
            } else {
                parts.append(.literal(c))
            }
        }
        return parts
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
