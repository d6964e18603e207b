import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// Which IP versions a connection may use (psftp's `-4` and `-6`).
public enum AddressFamily: Sendable, Equatable {
    case any, ipv4, ipv6

    var posix: Int32 {
        switch self {
        case .any: AF_UNSPEC
        case .ipv4: AF_INET
        case .ipv6: AF_INET6
        }
    }
}

/// Why a network connection could not be made.
public enum ConnectionError: Error, CustomStringConvertible, Equatable, Sendable {
    case cannotResolve(host: String, reason: String)
    case refused(host: String, port: Int)
    case timedOut(host: String, port: Int, seconds: Int)
    case failed(host: String, port: Int, reason: String)

    public var description: String {
        switch self {
        case .cannotResolve(let host, let reason): "cannot resolve host '\(host)': \(reason)"
        case .refused(let host, let port): "connection to \(host) port \(port) refused"
        case .timedOut(let host, let port, let seconds):
            "connection to \(host) port \(port) timed out after \(seconds) s"
        case .failed(let host, let port, let reason): "cannot connect to \(host) port \(port): \(reason)"
        }
    }
}

/// A connected TCP socket descriptor, closed when the value is released.
public final class TCPSocket {
    /// The descriptor, valid until the socket is closed.
    public private(set) var descriptor: Int32

    /// Runs when the socket closes: a proxy command's process is ended here.
    var onClose: (() -> Void)?
    /// Runs just before the descriptor is closed (an abort forgets it here).
    var beforeClose: [() -> Void] = []
    /// Explains a failed handshake when the socket's far end is a local process (a proxy command).
    var diagnose: (() -> String?)?

    /// Adopts a descriptor that is already connected (a proxy's or a socket pair's end).
    public init(adopting descriptor: Int32, onClose: (() -> Void)? = nil) {
        self.descriptor = descriptor
        self.onClose = onClose
    }

    /// Connects to `host` on `port`, trying each resolved address in turn within `timeout` seconds each.
    /// An `abort` that fires ends the wait, and the connected socket is registered with it.
    public init(
        host: String, port: Int, family: AddressFamily = .any, timeout: Int = 30, abort: ConnectionAbort? = nil
    ) throws {
        var hints = addrinfo()
        hints.ai_family = family.posix
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        hints.ai_flags = AI_ADDRCONFIG
        var list: UnsafeMutablePointer<addrinfo>?
        let status = getaddrinfo(host, String(port), &hints, &list)
        if status != 0 || list == nil {
            // AI_ADDRCONFIG hides loopback-only families on hosts without other addresses; retry without.
            hints.ai_flags = 0
            let retry = getaddrinfo(host, String(port), &hints, &list)
            if retry != 0 || list == nil {
                throw ConnectionError.cannotResolve(host: host, reason: String(cString: gai_strerror(retry)))
            }
        }
        defer { freeaddrinfo(list) }
        var lastError: ConnectionError = .failed(host: host, port: port, reason: "no usable address")
        var entry = list
        while let info = entry {
            entry = info.pointee.ai_next
            let fd = socket(info.pointee.ai_family, info.pointee.ai_socktype, info.pointee.ai_protocol)
            if fd < 0 { continue }
            switch Self.connect(fd, info.pointee.ai_addr, info.pointee.ai_addrlen, timeout: timeout, abort: abort) {
            case 0:
                var one: Int32 = 1
                setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
                descriptor = fd
                abort?.watch(self)
                return
            case ECANCELED:
                Glibc.close(fd)
                throw ConnectionError.failed(host: host, port: port, reason: "stopped while connecting")
            case ECONNREFUSED:
                lastError = .refused(host: host, port: port)
            case ETIMEDOUT:
                lastError = .timedOut(host: host, port: port, seconds: timeout)
            case let code:
                lastError = .failed(host: host, port: port, reason: String(cString: strerror(code)))
            }
            Glibc.close(fd)
        }
        throw lastError
    }

    private static func connect(
        _ fd: Int32, _ address: UnsafePointer<sockaddr>, _ length: socklen_t, timeout: Int, abort: ConnectionAbort?
    ) -> Int32 {
        let flags = fcntl(fd, F_GETFL)
        _ = fcntl(fd, F_SETFL, flags | O_NONBLOCK)
        defer { _ = fcntl(fd, F_SETFL, flags) }
        if Glibc.connect(fd, address, length) == 0 { return 0 }
        guard errno == EINPROGRESS else { return errno }
        var pfd = pollfd(fd: fd, events: Int16(POLLOUT), revents: 0)
        // Waited in short slices, so that an abort (Ctrl-C, a host's time limit) ends the wait.
        let deadline = Date(timeIntervalSinceNow: TimeInterval(timeout))
        var ready: Int32 = 0
        while ready == 0 {
            if abort?.hasFired == true { return ECANCELED }
            let left = deadline.timeIntervalSinceNow
            if left <= 0 { return ETIMEDOUT }
            ready = poll(&pfd, 1, Int32(min(left, 0.1) * 1000) + 1)
            if ready < 0, errno == EINTR { ready = 0 }
        }
        if ready < 0 { return errno }
        var error: Int32 = 0
        var size = socklen_t(MemoryLayout<Int32>.size)
        getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &size)
        return error
    }

    /// Closes the descriptor now; later calls do nothing.
    public func close() {
        if descriptor >= 0 {
            for forget in beforeClose { forget() }
            beforeClose = []
            Glibc.close(descriptor)
            descriptor = -1
            onClose?()
            onClose = nil
        }
    }

    deinit { close() }
}
