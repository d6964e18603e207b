import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// Blocking reads and writes on a socket for one exchange (a proxy's handshake before SSH takes the
/// socket over, or a request to ssh-agent), bounded as a whole: everything must be done within
/// `timeout` seconds of the stream's making, however the other side paces its bytes, so a proxy that
/// drips its answer a byte at a time is given up as surely as one that says nothing.
final class ProxyStream {
    let descriptor: Int32
    let timeout: Int
    let label: String
    private let deadline: ContinuousClock.Instant

    /// The most header text an HTTP proxy's answer may hold, status line included.
    static let headerLimit = 64 * 1024
    /// Header bytes read so far by ``readLine(limit:)``.
    private(set) var headerBytes = 0

    init(descriptor: Int32, timeout: Int, label: String) {
        self.descriptor = descriptor
        self.timeout = timeout
        self.label = label
        deadline = .now + .seconds(timeout)
    }

    private func wait(for events: Int16) throws(ProxyError) {
        while true {
            let left = ContinuousClock.now.duration(to: deadline)
            guard left > .zero else {
                throw ProxyError.protocolError(
                    proxy: label, detail: "no complete answer within \(timeout) s (--timeout)")
            }
            var pfd = pollfd(fd: descriptor, events: events, revents: 0)
            let ready = poll(&pfd, 1, Int32(clamping: left.wholeMilliseconds + 1))
            if ready > 0 { return }
            if ready < 0, errno != EINTR {
                throw ProxyError.unreachable(proxy: label, reason: String(cString: strerror(errno)))
            }
        }
    }

    /// Sends all of `bytes`.
    func send(_ bytes: [UInt8]) throws(ProxyError) {
        var offset = 0
        while offset < bytes.count {
            try wait(for: Int16(POLLOUT))
            let sent = bytes[offset...].withUnsafeBytes {
                Glibc.send(descriptor, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL))
            }
            if sent < 0 {
                if errno == EAGAIN || errno == EINTR { continue }
                throw ProxyError.unreachable(proxy: label, reason: String(cString: strerror(errno)))
            }
            offset += sent
        }
    }

    /// Reads exactly `count` bytes.
    func read(_ count: Int) throws(ProxyError) -> [UInt8] {
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: count)
        while bytes.count < count {
            try wait(for: Int16(POLLIN))
            let got = chunk.withUnsafeMutableBytes { recv(descriptor, $0.baseAddress, count - bytes.count, 0) }
            if got == 0 { throw ProxyError.protocolError(proxy: label, detail: "it closed the connection") }
            if got < 0 {
                if errno == EAGAIN || errno == EINTR { continue }
                throw ProxyError.unreachable(proxy: label, reason: String(cString: strerror(errno)))
            }
            bytes += chunk.prefix(got)
        }
        return bytes
    }

    /// Reads one line ending in LF, without the line end; reads byte by byte so nothing after it is
    /// consumed. Every line read counts against ``headerLimit``, and one line may be at most `limit`.
    func readLine(limit: Int = 8192) throws(ProxyError) -> String {
        var bytes: [UInt8] = []
        while bytes.count < limit {
            guard headerBytes < Self.headerLimit else {
                throw ProxyError.protocolError(
                    proxy: label, detail: "an answer with more than \(Self.headerLimit / 1024) KiB of headers")
            }
            let byte = try read(1)[0]
            headerBytes += 1
            if byte == UInt8(ascii: "\n") {
                if bytes.last == UInt8(ascii: "\r") { bytes.removeLast() }
                return String(decoding: bytes, as: UTF8.self)
            }
            bytes.append(byte)
        }
        throw ProxyError.protocolError(proxy: label, detail: "a header line longer than \(limit) bytes")
    }
}
