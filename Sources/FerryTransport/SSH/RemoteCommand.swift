internal import CLibSSH2
import FerryBase
import Foundation

/// How a remote command ended.
public enum RemoteCommandEnd: Equatable, Sendable {
    case exited(Int32)
    case signalled(String)
    case timedOut(seconds: Int)
    /// Stopped from this side (Ctrl-C) before it ended.
    case interrupted
}

/// Runs one command in an exec channel, passing stdout and stderr chunks to handlers as they arrive.
///
/// Both streams share the channel's window, so they are read alternately in non-blocking mode: a command
/// that writes a lot to one of them never stalls waiting for the other to be read.
enum RemoteCommand {
    static func run(
        _ command: String, session: SSHSession, timeout: Int?, cancellation: Cancellation?,
        stdout: (UnsafeRawBufferPointer) throws -> Void,
        stderr: (UnsafeRawBufferPointer) throws -> Void
    ) throws -> RemoteCommandEnd {
        guard let channel = ferry_channel_open_session(session.handle) else {
            throw session.lastError("libssh2_channel_open_ex")
        }
        var abandoned = false
        defer { if !abandoned { libssh2_channel_free(channel) } }
        try session.check(ferry_channel_exec(channel, command), "libssh2_channel_process_startup")
        // The command gets no input: its standard input ends at once, as with `ssh host cmd < /dev/null`
        // (a command that reads it, or an SFTP server forced on the account, ends rather than waits).
        _ = libssh2_channel_send_eof(channel)
        libssh2_session_set_blocking(session.handle, 0)
        // Back to blocking mode however this ends (setting it again is harmless); this runs before the
        // channel is freed above.
        defer { libssh2_session_set_blocking(session.handle, 1) }
        let deadline = timeout.map { ContinuousClock.now.advanced(by: .seconds($0)) }
        var buffer = [CChar](repeating: 0, count: 64 * 1024)
        while true {
            var progressed = false
            for stream in [Int32(0), Int32(SSH_EXTENDED_DATA_STDERR)] {
                let count = ferry_channel_read(channel, stream, &buffer, buffer.count)
                if count > 0 {
                    try buffer.withUnsafeBytes { raw in
                        let chunk = UnsafeRawBufferPointer(rebasing: raw[0..<count])
                        if stream == 0 { try stdout(chunk) } else { try stderr(chunk) }
                    }
                    progressed = true
                } else if count < 0, count != Int(LIBSSH2_ERROR_EAGAIN) {
                    throw session.lastError("libssh2_channel_read_ex", code: Int32(count))
                }
            }
            if !progressed, libssh2_channel_eof(channel) != 0 { break }
            let timedOut = deadline.map { ContinuousClock.now >= $0 } ?? false
            if timedOut || cancellation?.isCancelled == true {
                // Ask the server to close the channel without waiting: sshd keeps a channel open until its
                // command exits, and libssh2 1.10 has no request to signal the command. The channel stays
                // with the session, which frees it at the end.
                _ = libssh2_channel_send_eof(channel)
                _ = libssh2_channel_close(channel)
                abandoned = true
                return timedOut ? .timedOut(seconds: timeout ?? 0) : .interrupted
            }
            if !progressed {
                // Wakes for the server, for a cancellation, or at the deadline; the ceiling only guards
                // against a wake-up lost inside libssh2's own buffering.
                var fds = [
                    pollfd(fd: session.socket.descriptor, events: Int16(POLLIN), revents: 0),
                    pollfd(fd: cancellation?.wakeDescriptor ?? -1, events: Int16(POLLIN), revents: 0),
                ]
                if libssh2_session_block_directions(session.handle) & LIBSSH2_SESSION_BLOCK_OUTBOUND != 0 {
                    fds[0].events |= Int16(POLLOUT)
                }
                var wait = 5000
                if let deadline {
                    let left = ContinuousClock.now.duration(to: deadline)
                    wait = min(wait, max(0, Int(left.wholeMilliseconds) + 1))
                }
                _ = poll(&fds, 2, Int32(wait))
            }
        }
        libssh2_session_set_blocking(session.handle, 1)
        try session.check(libssh2_channel_close(channel), "libssh2_channel_close")
        try session.check(libssh2_channel_wait_closed(channel), "libssh2_channel_wait_closed")
        var signal: UnsafeMutablePointer<CChar>?
        var signalLength = 0
        _ = libssh2_channel_get_exit_signal(channel, &signal, &signalLength, nil, nil, nil, nil)
        if let signal {
            defer { free(signal) }
            return .signalled(String(cString: signal))
        }
        return .exited(libssh2_channel_get_exit_status(channel))
    }
}

extension SSHConnection {
    /// Runs `command` on the host; see ``RemoteCommandEnd`` for how it can end. The command is given up
    /// as soon as `cancellation` fires.
    public func run(
        _ command: String, timeout: Int?, cancellation: Cancellation? = nil,
        stdout: (UnsafeRawBufferPointer) throws -> Void,
        stderr: (UnsafeRawBufferPointer) throws -> Void
    ) throws -> RemoteCommandEnd {
        try RemoteCommand.run(
            command, session: session, timeout: timeout, cancellation: cancellation, stdout: stdout, stderr: stderr)
    }
}
