import Foundation

/// What libssh2's callbacks for one session reach through its abstract pointer: the socket reader,
/// and the state of a keyboard-interactive login while one runs.
final class SessionContext {
    let reader = SocketReader()
    /// Set for the length of a keyboard-interactive login.
    var keyboardInteractive: AnyObject?
}
