import FerryTransport
import Foundation

/// Asks for secrets and host-key decisions on the controlling terminal (`/dev/tty`), never on standard
/// input, which may carry commands. Without a terminal every question is answered "no".
final class TerminalPrompter: CredentialPrompter, HostKeyPrompter {
    func password(user: String, host: String) -> String? {
        ask("\(user)@\(host)'s password: ", echo: false)
    }

    func proxyPassword(user: String, proxy: String) -> String? {
        ask("Password for \(user) at \(proxy): ", echo: false)
    }

    func passphrase(keyPath: String) -> String? {
        ask("Passphrase for key \"\(keyPath)\": ", echo: false)
    }

    func respond(name: String, instruction: String, prompts: [(text: String, echo: Bool)]) -> [String]? {
        guard let tty = Terminal() else { return nil }
        if !name.isEmpty { tty.write(name + "\n") }
        if !instruction.isEmpty { tty.write(instruction + "\n") }
        var answers: [String] = []
        for prompt in prompts {
            guard let answer = tty.readLine(prompt: prompt.text, echo: prompt.echo) else { return nil }
            answers.append(answer)
        }
        return answers
    }

    func decide(host: String, port: Int, key: HostKey, knownHostsPath: String) -> HostKeyDecision {
        guard let tty = Terminal() else { return .reject }
        tty.write(
            """
            The host key for \(host) (port \(port)) is not in \(knownHostsPath).
            You have no guarantee that the server is the computer you think it is.
            The server's \(key.algorithm) key fingerprint is:
              \(key.sha256Fingerprint)
            If you trust this host, enter "y" to add the key to \(knownHostsPath) and connect.
            To connect just once, without adding the key, enter "n".
            To abandon the connection, press Return or enter anything else.

            """)
        switch tty.readLine(prompt: "Store key? (y/n, Return cancels connection) ", echo: true)?.lowercased() {
        case "y", "yes": return .acceptAndStore
        case "n", "no": return .acceptOnce
        default: return .reject
        }
    }

    private func ask(_ prompt: String, echo: Bool) -> String? {
        Terminal()?.readLine(prompt: prompt, echo: echo)
    }
}

/// The controlling terminal, opened for one question.
private final class Terminal {
    private let descriptor: Int32

    init?() {
        descriptor = open("/dev/tty", O_RDWR | O_CLOEXEC)
        if descriptor < 0 { return nil }
    }

    deinit { close(descriptor) }

    func write(_ text: String) {
        let bytes = Array(text.utf8)
        _ = bytes.withUnsafeBytes { Foundation.write(descriptor, $0.baseAddress, $0.count) }
    }

    func readLine(prompt: String, echo: Bool) -> String? {
        write(prompt)
        var saved = termios()
        let hasAttributes = tcgetattr(descriptor, &saved) == 0
        if !echo, hasAttributes {
            var quiet = saved
            quiet.c_lflag &= ~tcflag_t(ECHO)
            tcsetattr(descriptor, TCSAFLUSH, &quiet)
        }
        defer {
            if !echo, hasAttributes {
                tcsetattr(descriptor, TCSAFLUSH, &saved)
                write("\n")
            }
        }
        var bytes: [UInt8] = []
        var byte: UInt8 = 0
        while true {
            let count = Foundation.read(descriptor, &byte, 1)
            if count <= 0 { return bytes.isEmpty ? nil : String(decoding: bytes, as: UTF8.self) }
            if byte == UInt8(ascii: "\n") { break }
            bytes.append(byte)
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}
