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
///
/// Two limits bound the wait. `timeout` is the command's own (it ends as ``RemoteCommandEnd/timedOut(seconds:)``).
/// `silence` is the server's: while the command runs without a word, Ferry sends keepalive requests a
/// third of that apart, which any live server answers; a server that sends nothing at all (no output,
/// no answer) for `silence` seconds (at least ``shortestSilence``) is given up as a lost connection, as a silent server is anywhere
/// else (`the server sent nothing for N s (--timeout)`), so a quiet but healthy command runs as long as
/// it needs while a hung host does not hold Ferry for ever.
enum RemoteCommand {
    /// The shortest silence limit used, whatever `--timeout` says.
    static let shortestSilence = 3

    /// How the reading ended.
    private enum Stop {
        /// The command's output ended: its exit status is to be read.
        case ended
        /// Given up from this side: its own time limit, or a cancellation.
        case stopped(RemoteCommandEnd)
        /// The server sent nothing at all for this many seconds.
        case silent(Int)
    }

    static func run(
        _ command: String, session: SSHSession, timeout: Int?, silence: Int?, cancellation: Cancellation?,
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
        // libssh2 sends keepalives at most every 2 s, counted in whole seconds: a shorter limit could
        // cut off a healthy server between two of its answers.
        let silence = silence.flatMap { $0 > 0 ? max($0, Self.shortestSilence) : nil }
        let deadline = timeout.map { ContinuousClock.now.advanced(by: .seconds($0)) }
        let stop = try session.keepingAlive(every: (silence ?? 90) / 3) { () throws -> Stop in
            libssh2_session_set_blocking(session.handle, 0)
            // Back to blocking mode however this ends (setting it again is harmless).
            defer { libssh2_session_set_blocking(session.handle, 1) }
            let stop = try read(
                channel, session: session, deadline: deadline, timeout: timeout, silence: silence,
                cancellation: cancellation, stdout: stdout, stderr: stderr)
            if case .ended = stop { return stop }
            // Ask the server to close the channel without waiting (still in non-blocking mode: sshd
            // keeps a channel open until its command exits, and libssh2 1.10 has no request to signal
            // the command). The channel stays with the session, which frees it at the end.
            _ = libssh2_channel_send_eof(channel)
            _ = libssh2_channel_close(channel)
            return stop
        }
        if case .ended = stop { return try exit(of: channel, session: session) }
        abandoned = true
        switch stop {
        case .silent(let seconds): throw session.gaveUp(after: seconds, in: "libssh2_channel_read_ex")
        case .stopped(let end): return end
        case .ended: return .interrupted
        }
    }

    /// Reads both streams until the output ends, the deadline or the silence limit passes, or the
    /// cancellation fires; sends keepalives while nothing comes.
    private static func read(
        _ channel: OpaquePointer, session: SSHSession, deadline: ContinuousClock.Instant?, timeout: Int?,
        silence: Int?, cancellation: Cancellation?,
        stdout: (UnsafeRawBufferPointer) throws -> Void, stderr: (UnsafeRawBufferPointer) throws -> Void
    ) throws -> Stop {
        var heard = (bytes: session.bytesReceived, at: ContinuousClock.now)
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
            if !progressed, libssh2_channel_eof(channel) != 0 { return .ended }
            let now = ContinuousClock.now
            if session.bytesReceived != heard.bytes { heard = (session.bytesReceived, now) }
            if let silence, now - heard.at >= .seconds(silence) { return .silent(silence) }
            if let deadline, now >= deadline { return .stopped(.timedOut(seconds: timeout ?? 0)) }
            if cancellation?.isCancelled == true { return .stopped(.interrupted) }
            if !progressed {
                let keepaliveDue = session.sendKeepaliveNow()
                let silenceEnds = silence.map { heard.at.advanced(by: .seconds($0)) }
                wait(
                    on: session, cancellation: cancellation, until: [deadline, silenceEnds], now: now,
                    longest: silence == nil ? min(5000, max(1, keepaliveDue) * 1000) : 1000)
            }
        }
    }

    /// Waits for the server, a cancellation, the first of `limits`, or `longest` milliseconds; the
    /// ceiling also guards against a wake-up lost inside libssh2's own buffering.
    private static func wait(
        on session: SSHSession, cancellation: Cancellation?, until limits: [ContinuousClock.Instant?],
        now: ContinuousClock.Instant, longest: Int
    ) {
        var fds = [
            pollfd(fd: session.socket.descriptor, events: Int16(POLLIN), revents: 0),
            pollfd(fd: cancellation?.wakeDescriptor ?? -1, events: Int16(POLLIN), revents: 0),
        ]
        if libssh2_session_block_directions(session.handle) & LIBSSH2_SESSION_BLOCK_OUTBOUND != 0 {
            fds[0].events |= Int16(POLLOUT)
        }
        var wait = longest
        for case let limit? in limits {
            wait = min(wait, max(0, Int(now.duration(to: limit).wholeMilliseconds) + 1))
        }
        _ = poll(&fds, 2, Int32(wait))
    }

    /// How the command ended, once its output has: its exit status or the signal that killed it.
    private static func exit(of channel: OpaquePointer, session: SSHSession) throws -> RemoteCommandEnd {
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
    /// as soon as `cancellation` fires, and the connection when the server is silent for the session's
    /// `--timeout` (see ``RemoteCommand``).
    public func run(
        _ command: String, timeout: Int?, cancellation: Cancellation? = nil,
        stdout: (UnsafeRawBufferPointer) throws -> Void,
        stderr: (UnsafeRawBufferPointer) throws -> Void
    ) throws -> RemoteCommandEnd {
        try RemoteCommand.run(
            command, session: session, timeout: timeout, silence: session.timeout, cancellation: cancellation,
            stdout: stdout, stderr: stderr)
    }
}
