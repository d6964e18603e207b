import FerryBase
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
    /// The SSH handshake (version exchange, key exchange) did not complete.
    case handshake(host: String, port: Int, reason: String)

    public var description: String {
        switch self {
        case .cannotResolve(let host, let reason): "cannot resolve host '\(host)': \(reason)"
        case .refused(let host, let port): "connection to \(host) port \(port) refused"
        case .timedOut(let host, let port, let seconds):
            "connection to \(host) port \(port) timed out after \(seconds) s"
        case .failed(let host, let port, let reason): "cannot connect to \(host) port \(port): \(reason)"
        case .handshake(let host, let port, let reason): "SSH handshake with \(host) port \(port) failed: \(reason)"
        }
    }
}

/// A connected TCP socket descriptor, closed when the value is released.
public final class TCPSocket {
    /// The descriptor, valid until the socket is closed.
    public private(set) var descriptor: Int32

    /// Runs when the socket closes: a proxy command's process is ended here.
    var onClose: (() -> Void)?
    /// The cancellation tokens this socket is registered with, and its key in each.
    private var registrations: [(token: Cancellation, key: Int)] = []
    /// Explains a failed handshake when the socket's far end is a local process (a proxy command).
    var diagnose: (() -> String?)?

    /// Adopts a descriptor that is already connected (a proxy's or a socket pair's end).
    public init(adopting descriptor: Int32, onClose: (() -> Void)? = nil) {
        self.descriptor = descriptor
        self.onClose = onClose
    }

    /// Connects to `host` on `port`, trying each resolved address in turn within `timeout` seconds each.
    /// A `cancellation` ends the wait, and the connected socket is registered with it.
    public init(
        host: String, port: Int, family: AddressFamily = .any, timeout: Int = 30,
        cancellation: Cancellation? = nil
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
            if fd < 0 {
                lastError = .failed(host: host, port: port, reason: Self.socketFailure(errno))
                continue
            }
            switch Self.connect(
                fd, info.pointee.ai_addr, info.pointee.ai_addrlen, timeout: timeout, cancellation: cancellation)
            {
            case 0:
                var one: Int32 = 1
                setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
                descriptor = fd
                register(with: cancellation)
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

    /// Why `socket()` failed, in words; running out of descriptors says what to change.
    static func socketFailure(_ code: Int32) -> String {
        switch code {
        case EMFILE, ENFILE:
            "no file descriptor left (\(String(cString: strerror(code)).lowercased()); raise 'ulimit -n' or lower"
                + " --parallel)"
        default: String(cString: strerror(code)).lowercased()
        }
    }

    private static func connect(
        _ fd: Int32, _ address: UnsafePointer<sockaddr>, _ length: socklen_t, timeout: Int,
        cancellation: Cancellation?
    ) -> Int32 {
        let flags = fcntl(fd, F_GETFL)
        _ = fcntl(fd, F_SETFL, flags | O_NONBLOCK)
        defer { _ = fcntl(fd, F_SETFL, flags) }
        if Glibc.connect(fd, address, length) == 0 { return 0 }
        guard errno == EINPROGRESS else { return errno }
        // The cancellation's wake descriptor is polled too, so Ctrl-C or a time limit ends the wait at once.
        var fds = [
            pollfd(fd: fd, events: Int16(POLLOUT), revents: 0),
            pollfd(fd: cancellation?.wakeDescriptor ?? -1, events: Int16(POLLIN), revents: 0),
        ]
        let deadline = ContinuousClock.now.advanced(by: .seconds(timeout))
        var ready: Int32 = 0
        while ready == 0 {
            if cancellation?.isCancelled == true { return ECANCELED }
            let left = ContinuousClock.now.duration(to: deadline)
            if left <= .zero { return ETIMEDOUT }
            ready = poll(&fds, 2, Int32(clamping: left.wholeMilliseconds + 1))
            if ready < 0, errno == EINTR { ready = 0 }
            if ready > 0, fds[0].revents == 0 { ready = 0 }
        }
        if ready < 0 { return errno }
        var error: Int32 = 0
        var size = socklen_t(MemoryLayout<Int32>.size)
        getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &size)
        return error
    }

    /// Registers the socket with `cancellation` as still connecting, until it closes.
    public func register(with cancellation: Cancellation?) {
        guard let cancellation, descriptor >= 0 else { return }
        registrations.append((cancellation, cancellation.register(descriptor: descriptor)))
    }

    /// Tells the tokens this socket now carries a finished connection, which only a cut may end.
    public func settle() {
        for (token, key) in registrations { token.settle(key) }
    }

    /// Ends traffic both ways without giving up the descriptor, so its number cannot be reused while
    /// something (libssh2's session) may still act on it; ``close()`` gives it up.
    public func shutDown() {
        if descriptor >= 0 { shutdown(descriptor, Int32(SHUT_RDWR)) }
    }

    /// Closes the descriptor now; later calls do nothing.
    public func close() {
        if descriptor >= 0 {
            for (token, key) in registrations { token.unregister(key) }
            registrations = []
            Glibc.close(descriptor)
            descriptor = -1
            onClose?()
            onClose = nil
        }
    }

    deinit { close() }
}
