/// A problem found in a script, located like a compiler's message: `file:line:column: error: text`.
public struct Diagnostic: Error, CustomStringConvertible, Equatable, Sendable {
    /// How serious the problem is.
    public enum Severity: String, Sendable { case error, warning, note }

    /// The script's file name as the user gave it.
    public var file: String
    /// The line, from 1.
    public var line: Int
    /// The column, from 1, counted in characters.
    public var column: Int
    public var severity: Severity
    public var message: String

    /// Creates a diagnostic.
    public init(file: String, line: Int, column: Int, severity: Severity = .error, message: String) {
        self.file = file
        self.line = line
        self.column = column
        self.severity = severity
        self.message = message
    }

    public var description: String { "\(file):\(line):\(column): \(severity.rawValue): \(message)" }
}

/// Every error found in a script, reported together before anything runs.
public struct ScriptErrors: Error, CustomStringConvertible, Sendable {
    /// The diagnostics, in file order.
    public var diagnostics: [Diagnostic]

    public var description: String { diagnostics.map(\.description).joined(separator: "\n") }
}
