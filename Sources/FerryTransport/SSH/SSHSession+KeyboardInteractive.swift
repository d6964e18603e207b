internal import CLibSSH2
import FerryBase
import Foundation

/// State shared with libssh2's keyboard-interactive callback through the session's ``SessionContext``.
private final class KeyboardInteractiveState {
    var password: String?
    var prompter: (any CredentialPrompter)?
    var replay: [[String]]?
    var answers: [[String]] = []
    var gaveUp = false

    init(password: String?, prompter: (any CredentialPrompter)?, replay: [[String]]?) {
        self.password = password
        self.prompter = prompter
        self.replay = replay
    }

    func respond(name: String, instruction: String, prompts: [(text: String, echo: Bool)]) -> [String] {
        if prompts.isEmpty { return [] }
        if let replay {
            let round = answers.count
            return round < replay.count ? replay[round] : []
        }
        // A known password answers one lone hidden password prompt, once.
        if let password, prompts.count == 1, !prompts[0].echo,
            prompts[0].text.lowercased().contains("password")
        {
            self.password = nil
            return [password]
        }
        guard let given = prompter?.respond(name: name, instruction: instruction, prompts: prompts),
            given.count == prompts.count
        else {
            gaveUp = true
            return Array(repeating: "", count: prompts.count)
        }
        return given
    }
}

extension SSHSession {
    /// Runs keyboard-interactive authentication; returns every round's answers on success, nil when refused.
    func tryKeyboardInteractive(
        user: String, password: String?, prompter: (any CredentialPrompter)?,
        replay: [[String]]?
    ) throws -> [[String]]? {
        let state = KeyboardInteractiveState(password: password, prompter: prompter, replay: replay)
        context.keyboardInteractive = state
        defer { context.keyboardInteractive = nil }
        let result = withExtendedLifetime(state) {
            ferry_userauth_keyboard_interactive(handle, user) {
                name, nameLength, instruction, instructionLength, count, prompts, responses, abstract in
                guard let raw = abstract?.pointee,
                    let state = Unmanaged<SessionContext>.fromOpaque(raw).takeUnretainedValue().keyboardInteractive
                        as? KeyboardInteractiveState
                else { return }
                func text(_ pointer: UnsafePointer<CChar>?, _ length: Int32) -> String {
                    guard let pointer, length > 0 else { return "" }
                    return String(decoding: UnsafeRawBufferPointer(start: pointer, count: Int(length)), as: UTF8.self)
                }
                var asked: [(text: String, echo: Bool)] = []
                for index in 0..<Int(max(count, 0)) {
                    guard let prompt = prompts?[index] else { continue }
                    asked.append((text(prompt.text, Int32(prompt.length)), prompt.echo != 0))
                }
                // The server's words go to a person: shown with their controls visible (the
                // instruction may run over several lines, the name and prompts are one line each).
                let answers = state.respond(
                    name: ServerText.visible(text(name, nameLength)),
                    instruction: ServerText.visibleLines(text(instruction, instructionLength)),
                    prompts: asked.map { (ServerText.visible($0.text), $0.echo) })
                state.answers.append(answers)
                for (index, answer) in answers.enumerated() where index < Int(count) {
                    responses?[index].text = strdup(answer)
                    responses?[index].length = UInt32(answer.utf8.count)
                }
            }
        }
        if result == 0 { return state.answers }
        let error = lastError("libssh2_userauth_keyboard_interactive_ex", code: result)
        if error.isConnectionLost { throw error }
        return nil
    }
}
