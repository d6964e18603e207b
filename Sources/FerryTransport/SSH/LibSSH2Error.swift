internal import CLibSSH2

/// A failure reported by libssh2, with the call that failed and libssh2's own explanation.
///
/// Unknown codes are kept as they are, so nothing is lost when libssh2 grows new ones.
public struct LibSSH2Error: Error, CustomStringConvertible, Equatable, Sendable {
    /// The libssh2 function that failed, such as `libssh2_sftp_open_ex`.
    public var call: String
    /// libssh2's error code (`LIBSSH2_ERROR_*`, always negative).
    public var code: Int32
    /// libssh2's message for the error, from `libssh2_session_last_error`.
    public var message: String
    /// The SFTP status code, when `code` is `LIBSSH2_ERROR_SFTP_PROTOCOL`.
    public var sftpStatus: SFTPStatus?
    /// For a timeout: how long the server had been silent (seconds, the session's `--timeout`).
    public var silentFor: Int?

    /// Creates an error from its parts.
    public init(call: String, code: Int32, message: String, sftpStatus: SFTPStatus? = nil) {
        self.call = call
        self.code = code
        self.message = message
        self.sftpStatus = sftpStatus
    }

    /// Whether the remote end closed the connection or the socket failed.
    public var isConnectionLost: Bool {
        [
            LIBSSH2_ERROR_SOCKET_DISCONNECT, LIBSSH2_ERROR_SOCKET_SEND, LIBSSH2_ERROR_SOCKET_RECV,
            LIBSSH2_ERROR_SOCKET_TIMEOUT, LIBSSH2_ERROR_TIMEOUT, LIBSSH2_ERROR_CHANNEL_CLOSED,
            LIBSSH2_ERROR_CHANNEL_EOF_SENT, LIBSSH2_ERROR_BAD_SOCKET,
        ]
        .contains(code)
    }

    /// Whether the two sides found no algorithms in common, or the key exchange failed.
    public var isKeyExchangeFailure: Bool { code == LIBSSH2_ERROR_KEX_FAILURE }

    /// Whether a wait for the server ran out.
    public var isTimeout: Bool { code == LIBSSH2_ERROR_TIMEOUT || code == LIBSSH2_ERROR_SOCKET_TIMEOUT }

    /// The reason in words: the SFTP status when there is one, else libssh2's message.
    public var reason: String {
        if let sftpStatus { return sftpStatus.description }
        if isTimeout {
            return silentFor.map { "the server sent nothing for \($0) s (--timeout)" } ?? "timed out"
        }
        // libssh2's own words here name its internal step ("Unable to send FXP_OPEN*"): the description keeps them.
        if isConnectionLost { return "connection lost" }
        return message.isEmpty ? "libssh2 error \(code)" : message
    }

    public var description: String {
        var text = reason
        if sftpStatus == nil {
            text += " [\(call) \(code)\(isConnectionLost && !message.isEmpty ? ": " + message : "")]"
        }
        return text
    }
}
