/// The one rule for showing text a server sent (names, paths, messages, prompts, command output) to a
/// person or writing it into `report.md`: control characters become visible instead of acting.
///
/// C0 controls are shown in caret notation (ESC as `^[`, BEL as `^G`, a newline as `^J`), DEL as `^?`,
/// C1 controls and the Unicode characters that reorder or hide text (bidirectional overrides and
/// isolates, zero-width marks) as `\u{…}`. Everything else, non-ASCII letters included, is kept.
/// The result of ``visible(_:)`` is one line that no terminal interprets, and applying it again
/// changes nothing, so text may safely pass through it more than once.
public enum ServerText {
    /// `text` as one safe line: every control character, line ends and tabs included, made visible.
    public static func visible(_ text: String) -> String { escaped(text, keepingLines: false) }

    /// `text` with its lines kept: as ``visible(_:)``, but newlines and tabs pass through and carriage
    /// returns are dropped (so a line cannot be overwritten). For multi-line output such as a remote
    /// command's, or a keyboard-interactive instruction.
    public static func visibleLines(_ text: String) -> String { escaped(text, keepingLines: true) }

    /// `text` as ``visible(_:)`` makes it, then escaped for a Markdown table cell that a renderer may
    /// also read as HTML: a backslash, `|`, `` ` ``, `[` and `]` are escaped with a backslash, and `&`,
    /// `<` and `>` become entities, so `<img …>` shows as text and `\|` cannot end a cell.
    public static func markdown(_ text: String) -> String {
        var result = ""
        for scalar in visible(text).unicodeScalars {
            switch scalar {
            case "\\", "|", "`", "[", "]": result += "\\" + String(scalar)
            case "&": result += "&amp;"
            case "<": result += "&lt;"
            case ">": result += "&gt;"
            default: result.unicodeScalars.append(scalar)
            }
        }
        return result
    }

    /// Whether `text` holds anything ``visible(_:)`` would change.
    public static func hasControls(_ text: String) -> Bool { text.unicodeScalars.contains(where: needsEscape) }

    private static func escaped(_ text: String, keepingLines: Bool) -> String {
        guard hasControls(text) else { return text }
        var result = ""
        result.unicodeScalars.reserveCapacity(text.unicodeScalars.count + 8)
        for scalar in text.unicodeScalars {
            switch scalar.value {
            case 0x0A where keepingLines, 0x09 where keepingLines: result.unicodeScalars.append(scalar)
            case 0x0D where keepingLines: break
            case 0..<0x20: result += "^" + String(UnicodeScalar(UInt8(scalar.value + 0x40)))
            case 0x7F: result += "^?"
            case _ where needsEscape(scalar): result += "\\u{\(String(scalar.value, radix: 16))}"
            default: result.unicodeScalars.append(scalar)
            }
        }
        return result
    }

    private static func needsEscape(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0..<0x20, 0x7F..<0xA0: true
        // Bidirectional embeddings, overrides and isolates, and the marks that hide or join text.
        case 0x200B...0x200F, 0x202A...0x202E, 0x2066...0x2069, 0x061C, 0xFEFF: true
        default: false
        }
    }
}

/// Makes a stream of remote output harmless on a terminal with ``ServerText``'s rule, lines kept,
/// holding back a UTF-8 sequence split across chunks until the rest arrives.
package struct TerminalSanitizer {
    private var pending: [UInt8] = []

    /// Creates a sanitiser with nothing held back.
    package init() {}

    package mutating func clean(_ chunk: UnsafeRawBufferPointer) -> String {
        var bytes = pending + Array(chunk)
        // Hold back an incomplete UTF-8 sequence at the end for the next chunk.
        var cut = bytes.count
        var back = 0
        while back < 3, cut - back - 1 >= 0, bytes[cut - back - 1] & 0xC0 == 0x80 { back += 1 }
        if cut - back - 1 >= 0 {
            let lead = bytes[cut - back - 1]
            let needed = lead >= 0xF0 ? 3 : lead >= 0xE0 ? 2 : lead >= 0xC0 ? 1 : 0
            if needed > back { cut = cut - back - 1 }
        }
        pending = Array(bytes[cut...])
        bytes = Array(bytes[..<cut])
        return ServerText.visibleLines(String(decoding: bytes, as: UTF8.self))
    }
}
