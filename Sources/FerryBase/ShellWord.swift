/// Quoting for `/bin/sh`: a value handed to a shell (local or remote) always stays one literal word.
public enum ShellWord {
    /// `word` as one word for `/bin/sh`: unchanged when it holds only characters no shell treats
    /// specially (letters, digits, `@%+=:,./_-`), else in single quotes (a `'` inside as `'\''`).
    public static func quoted(_ word: String) -> String {
        let plain =
            !word.isEmpty && word.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || "@%+=:,./_-".contains($0)) }
        return plain ? word : singleQuoted(word)
    }

    /// `word` in single quotes whatever it holds (a `'` inside as `'\''`).
    public static func singleQuoted(_ word: String) -> String {
        "'" + word.replacing("'", with: "'\\''") + "'"
    }
}
