internal import CLibSSH2
import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// A connection to a further host carried by a jump host's `direct-tcpip` channel.
///
/// The jump host's session is handed to a pump thread that becomes its only user: it switches the
/// session to non-blocking mode and moves bytes between the channel and one end of a socket pair,
/// whose other end the next SSH session runs over, exactly as over a TCP socket.
enum JumpTunnel {
    /// Opens a channel from `hop` to `host:port` and returns the local end of the tunnel.
    ///
    /// `hop` must not be used by the caller afterwards; it lives on the pump thread until the tunnel closes.
    static func open(through hop: SSHSession, hopName: String, to host: String, port: Int) throws -> TCPSocket {
        guard let channel = libssh2_channel_direct_tcpip_ex(hop.handle, host, Int32(port), "127.0.0.1", 22) else {
            let error = hop.lastError("libssh2_channel_direct_tcpip_ex")
            throw ProxyError.jumpFailed(
                hop: hopName, reason: "cannot open a channel to \(host):\(port): \(error.reason)")
        }
        var pair: [Int32] = [-1, -1]
        guard socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0, &pair) == 0 else {
            libssh2_channel_free(channel)
            throw ProxyError.jumpFailed(hop: hopName, reason: String(cString: strerror(errno)))
        }
        let handOff = HandOff(session: hop, channel: channel, descriptor: pair[1])
        let thread = Thread { handOff.pump() }
        thread.name = "ferry-jump-\(hopName)"
        thread.start()
        return TCPSocket(adopting: pair[0]) { handOff.waitUntilDone() }
    }
}

/// The jump host's session and channel, owned by the pump thread once it starts.
///
/// `@unchecked Sendable` because ownership moves to the pump thread as a whole: the thread that
/// created it never touches the session again.
private final class HandOff: @unchecked Sendable {
    private let session: SSHSession
    private let channel: OpaquePointer
    private let descriptor: Int32
    private let done = NSCondition()
    private var finished = false

    init(session: SSHSession, channel: OpaquePointer, descriptor: Int32) {
        self.session = session
        self.channel = channel
        self.descriptor = descriptor
    }

    func waitUntilDone() {
        // Closing our end of the pair ends the pump; wait so the hop is gone before the process may exit.
        done.lock()
        let deadline = Date(timeIntervalSinceNow: 5)
        while !finished, done.wait(until: deadline) {}
        done.unlock()
    }

    func pump() {
        session.adoptOnCurrentThread()
        defer {
            libssh2_session_set_blocking(session.handle, 1)
            libssh2_session_set_timeout(session.handle, 2000)
            _ = libssh2_channel_close(channel)
            libssh2_channel_free(channel)
            session.disconnect()
            close(descriptor)
            done.lock()
            finished = true
            done.broadcast()
            done.unlock()
        }
        let flags = fcntl(descriptor, F_GETFL)
        _ = fcntl(descriptor, F_SETFL, flags | O_NONBLOCK)
        libssh2_session_set_blocking(session.handle, 0)
        let size = 64 * 1024
        var fromChannel = [CChar](repeating: 0, count: size)
        var toChannel = [CChar](repeating: 0, count: size)
        var pending = 0  // bytes read from the pair and not yet accepted by the channel
        var pendingOffset = 0
        var pairOpen = true
        while true {
            var progressed = false
            // Channel to pair.
            let got = ferry_channel_read(channel, 0, &fromChannel, size)
            if got > 0 {
                if !writeAll(fromChannel, count: got) { return }
                progressed = true
            } else if got != Int(LIBSSH2_ERROR_EAGAIN), got < 0 {
                return
            }
            if libssh2_channel_eof(channel) != 0 { return }
            // Pair to channel.
            if pending == 0, pairOpen {
                let count = read(descriptor, &toChannel, size)
                if count > 0 {
                    pending = count
                    pendingOffset = 0
                    progressed = true
                } else if count == 0 {
                    pairOpen = false
                    _ = libssh2_channel_send_eof(channel)
                    return
                } else if errno != EAGAIN && errno != EINTR {
                    return
                }
            }
            if pending > 0 {
                let sent = toChannel.withUnsafeBufferPointer { buffer -> Int in
                    guard let base = buffer.baseAddress else { return 0 }
                    return ferry_channel_write(channel, base + pendingOffset, pending)
                }
                if sent > 0 {
                    pending -= sent
                    pendingOffset += sent
                    progressed = true
                } else if sent != Int(LIBSSH2_ERROR_EAGAIN) {
                    return
                }
            }
            if !progressed { waitForEither(wantPair: pending == 0 && pairOpen) }
        }
    }

    private func writeAll(_ bytes: [CChar], count: Int) -> Bool {
        var offset = 0
        while offset < count {
            let written = bytes.withUnsafeBufferPointer { buffer -> Int in
                guard let base = buffer.baseAddress else { return -1 }
                // The next session may already have closed its end: that ends the tunnel, not the process.
                return send(descriptor, base + offset, count - offset, Int32(MSG_NOSIGNAL))
            }
            if written > 0 {
                offset += written
            } else if written < 0, errno == EAGAIN || errno == EINTR {
                var pfd = pollfd(fd: descriptor, events: Int16(POLLOUT), revents: 0)
                _ = poll(&pfd, 1, 1000)
            } else {
                return false
            }
        }
        return true
    }

    private func waitForEither(wantPair: Bool) {
        var fds = [pollfd(fd: session.socket.descriptor, events: 0, revents: 0)]
        let directions = libssh2_session_block_directions(session.handle)
        fds[0].events = Int16(POLLIN)
        if directions & LIBSSH2_SESSION_BLOCK_OUTBOUND != 0 { fds[0].events |= Int16(POLLOUT) }
        if wantPair { fds.append(pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)) }
        _ = poll(&fds, nfds_t(fds.count), 1000)
    }
}
