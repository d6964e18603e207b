import Foundation

/// A failure of a local file operation, with the path and the system's reason.
public struct LocalFileError: Error, CustomStringConvertible, Sendable {
    public var path: String
    public var operation: String
    public var code: Int32

    /// Captures `errno` for an operation on `path`.
    public init(path: String, operation: String, code: Int32 = errno) {
        self.path = path
        self.operation = operation
        self.code = code
    }

    public var description: String {
        if code == ENOSPC || code == EDQUOT { return "\(path): \(operation): no space left on the local disk" }
        return "\(path): \(operation): \(String(cString: strerror(code)).lowercased())"
    }
}
