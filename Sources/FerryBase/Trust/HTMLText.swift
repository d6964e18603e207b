import Foundation

/// Text made safe for HTML, in element content and in quoted attribute values alike.
public enum HTMLText {
    /// `text` with `&`, `<`, `>`, `"` and `'` as character references, and control characters made
    /// visible (``ServerText/visible(_:)``).
    public static func escape(_ text: String) -> String {
        var result = ""
        result.reserveCapacity(text.utf8.count)
        for scalar in ServerText.visible(text).unicodeScalars {
            switch scalar {
            case "&": result += "&amp;"
            case "<": result += "&lt;"
            case ">": result += "&gt;"
            case "\"": result += "&quot;"
            case "'": result += "&#39;"
            default: result.unicodeScalars.append(scalar)
            }
        }
        return result
    }

    /// One path component for a relative link: every byte but letters, digits, `-`, `.`, `_` and
    /// `~` percent-encoded (so `..`, `:` or `javascript:` can never become a scheme or a step up).
    public static func percentEncoded(_ component: String) -> String {
        if component == "." || component == ".." { return "_" }
        var result = ""
        for byte in component.utf8 {
            let character = Character(Unicode.Scalar(byte))
            if byte < 0x80, character.isLetter || character.isNumber || "-._~".contains(character) {
                result.append(character)
            } else {
                result += String(format: "%%%02X", byte)
            }
        }
        return result
    }
}
