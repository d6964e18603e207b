import FerryBase

/// A problem with a saved session, naming the file and, where it can, the line.
public enum ProfileError: Error, CustomStringConvertible, Equatable, Sendable {
    case notFound(name: String, searched: [String])
    case invalid(file: String, line: Int, column: Int, message: String)
    case unsafeSecret(file: String, what: String)
    case secretUnavailable(profile: String, what: String, reason: String)
    case cannotWrite(path: String, reason: String)
    case invalidName(String)
    /// A jump host that is neither a saved session nor a usable `[user@]host[:port]`.
    case invalidJump(TargetNameError)

    public var description: String {
        switch self {
        case .notFound(let name, let searched):
            "no saved session '\(name)' (looked in \(searched.joined(separator: ", ")))"
        case .invalid(let file, let line, let column, let message): "\(file):\(line):\(column): error: \(message)"
        case .unsafeSecret(let file, let what):
            "\(file) holds \(what) in clear and other users can read it; run 'chmod 600 \(file)' or use"
                + " password-env / password-file"
        case .secretUnavailable(let profile, let what, let reason): "session '\(profile)': \(what): \(reason)"
        case .cannotWrite(let path, let reason): "cannot write \(path): \(reason)"
        case .invalidJump(let error): "jump host: not a saved session, and \(error)"
        case .invalidName(let name):
            "'\(name)' is not a usable session name (letters, digits, '.', '_', '-', '@' and '+' only)"
        }
    }
}
