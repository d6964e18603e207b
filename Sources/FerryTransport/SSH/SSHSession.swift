internal import CFerryCipher
internal import CLibSSH2
import Foundation

/// Settings that shape one SSH connection's transport.
public struct TransportOptions: Sendable, Equatable {
    /// Whether to ask for zlib compression (psftp's `-C`).
    public var compression = false
    /// How long a blocking call may wait for the server, in seconds; 0 waits forever.
    public var timeout = 60
    /// Seconds between keepalive messages while idle; 0 turns them off.
    public var keepaliveInterval = 30
    /// Host-key algorithms to prefer, best first, when known_hosts already holds keys of those types.
    public var preferredHostKeyTypes: [String] = []
    /// Whether the algorithms OpenSSH no longer offers by default are offered too (see ``Algorithms``).
    public var legacyAlgorithms = false

    /// Creates options with Ferry's defaults.
    public init() {}
}

/// One libssh2 session over a connected socket: handshake, host key, authentication.
///
/// ## Threading rules
///
/// libssh2 calls block, and a session is not safe to share, so Ferry keeps these rules:
/// - A session belongs to the thread that made it, for its whole life: that thread alone calls into
///   it, and into every ``SFTPClient``, ``SFTPFile`` and ``RemoteCommand`` made from it. Debug builds
///   check this on every call.
/// - Those threads are Ferry's own `Thread`s (the main thread for the prompt and a single host, one per
///   host in a run over many hosts, one per extra transfer connection), never Swift's cooperative pool.
/// - Another thread may stop a session only through the ``Cancellation`` its sockets are registered
///   with: a cut shuts the socket down, and the owning thread's blocked call returns an error.
/// - Values handed between threads are `Sendable` (``ReconnectRecipe`` carries what another thread
///   needs to open its own connection); handles never are.
///
/// Children (``SFTPClient``) keep their session alive.
public final class SSHSession {
    private let rawHandle: OpaquePointer
    /// What libssh2's callbacks reach through the session's abstract pointer; lives as long as the session.
    let context = SessionContext()
    #if DEBUG
        private var owner = pthread_self()
    #endif

    /// The libssh2 handle, for the owning thread only.
    var handle: OpaquePointer {
        #if DEBUG
            precondition(
                pthread_equal(owner, pthread_self()) != 0, "an SSH session was used from a thread that does not own it")
        #endif
        return rawHandle
    }

    /// Makes the calling thread the session's owner; only for a session handed over as a whole, whose
    /// earlier owner never touches it again (a jump host's session moving to its pump thread).
    func adoptOnCurrentThread() {
        #if DEBUG
            owner = pthread_self()
        #endif
    }
    /// The socket the session runs over; kept open as long as the session is.
    public let socket: TCPSocket
    /// How long a blocking call waits for the server (seconds; 0: for ever).
    let timeout: Int
    /// Seconds between keepalives while idle, as configured (0: none).
    private let keepaliveInterval: Int
    private var isConnected = false

    /// Runs the SSH handshake over `socket`.
    public init(socket: TCPSocket, options: TransportOptions) throws {
        LibSSH2.initializeOnce()
        guard let handle = ferry_session_init(Unmanaged.passUnretained(context).toOpaque()) else {
            throw LibSSH2Error(call: "libssh2_session_init_ex", code: LIBSSH2_ERROR_ALLOC, message: "out of memory")
        }
        self.rawHandle = handle
        self.socket = socket
        self.timeout = options.timeout
        self.keepaliveInterval = options.keepaliveInterval
        _ = libssh2_session_callback_set(
            handle, LIBSSH2_CALLBACK_RECV, unsafeBitCast(SocketReader.callback, to: UnsafeMutableRawPointer.self))
        libssh2_session_set_blocking(handle, 1)
        libssh2_session_set_timeout(handle, options.timeout * 1000)
        if options.compression {
            libssh2_session_flag(handle, LIBSSH2_FLAG_COMPRESS, 1)
        }
        Algorithms.offer(
            on: handle, legacy: options.legacyAlgorithms, preferredHostKeys: options.preferredHostKeyTypes)
        try check(libssh2_session_handshake(handle, socket.descriptor), "libssh2_session_handshake")
        isConnected = true
        if options.keepaliveInterval > 0 {
            libssh2_keepalive_config(handle, 1, UInt32(options.keepaliveInterval))
        }
    }

    /// The server's host key as the handshake presented it.
    public func hostKey() throws -> HostKey {
        var length = 0
        var type: Int32 = 0
        guard let bytes = libssh2_session_hostkey(handle, &length, &type) else {
            throw lastError("libssh2_session_hostkey")
        }
        let blob = Data(UnsafeRawBufferPointer(start: bytes, count: length))
        return HostKey(blob: blob, libssh2Type: type)
    }

    /// Runs `body` with a keepalive due every `seconds` (at least 1) while the connection is idle,
    /// then goes back to the configured interval; `body` calls ``sendKeepaliveNow()``, which says
    /// when the next one is due.
    func keepingAlive<T>(every seconds: Int, _ body: () throws -> T) rethrows -> T {
        libssh2_keepalive_config(handle, 1, UInt32(max(1, seconds)))
        defer { libssh2_keepalive_config(handle, 1, UInt32(keepaliveInterval)) }
        return try body()
    }

    /// Bytes the server has sent on this connection so far.
    var bytesReceived: UInt64 { context.reader.received }

    /// Sends a keepalive if one is due, without waiting; returns the seconds until the next is due.
    @discardableResult
    func sendKeepaliveNow() -> Int {
        var next: Int32 = 0
        _ = libssh2_keepalive_send(handle, &next)
        return Int(next)
    }

    /// Sends a keepalive if one is due; a dead connection shows up here as an error.
    public func sendKeepaliveIfDue() throws {
        var next: Int32 = 0
        try check(libssh2_keepalive_send(handle, &next), "libssh2_keepalive_send")
    }

    /// The method names the transport agreed on (key exchange, host key, cipher, MAC, compression).
    public var negotiatedMethods: [String: String] {
        let kinds: [(String, Int32)] = [
            ("kex", LIBSSH2_METHOD_KEX), ("hostkey", LIBSSH2_METHOD_HOSTKEY),
            ("cipher", LIBSSH2_METHOD_CRYPT_CS), ("mac", LIBSSH2_METHOD_MAC_CS),
            ("compression", LIBSSH2_METHOD_COMP_CS),
        ]
        var methods: [String: String] = [:]
        for (name, kind) in kinds {
            if let text = libssh2_session_methods(handle, kind) { methods[name] = String(cString: text) }
        }
        return methods
    }

    /// Says goodbye to the server and closes the socket.
    public func disconnect() {
        guard isConnected else { return }
        _ = handle
        endConnection()
    }

    private func endConnection() {
        guard isConnected else { return }
        isConnected = false
        libssh2_session_set_timeout(rawHandle, 2000)
        _ = ferry_session_disconnect(rawHandle, "bye")
        // Shut down, not closed: libssh2_session_free later puts the descriptor back in blocking mode,
        // and a number already closed may by then belong to another host's new connection.
        socket.shutDown()
    }

    // The last reference may go on another thread once the owner is done with the session.
    deinit {
        endConnection()
        libssh2_session_free(rawHandle)
        socket.close()
    }

    /// The session's last error as a typed value naming `call`.
    func lastError(_ call: String, code: Int32? = nil) -> LibSSH2Error {
        var message: UnsafeMutablePointer<CChar>?
        var length: Int32 = 0
        let lastCode = libssh2_session_last_error(handle, &message, &length, 0)
        let text = message.map { String(cString: $0) } ?? ""
        var error = LibSSH2Error(call: call, code: code ?? lastCode, message: text)
        if error.isTimeout {
            error.silentFor = timeout
            // A server that stopped answering is given up: later calls fail at once instead of each
            // waiting out the timeout again (closing the file, saying goodbye).
            socket.shutDown()
        }
        return error
    }

    /// The error for a server silent for `seconds` while Ferry waited in `call`: a timeout, after
    /// which the connection is given up as ``lastError(_:code:)`` gives it up.
    func gaveUp(after seconds: Int, in call: String) -> LibSSH2Error {
        var error = LibSSH2Error(call: call, code: LIBSSH2_ERROR_TIMEOUT, message: "")
        error.silentFor = seconds
        socket.shutDown()
        return error
    }

    /// Throws the session's error when `result` is negative.
    @discardableResult
    func check(_ result: Int32, _ call: String) throws -> Int32 {
        if result < 0 { throw lastError(call, code: result) }
        return result
    }
}

/// Process-wide libssh2 set-up.
enum LibSSH2 {
    /// Installs the bulk AES-CTR keystream provider first (unless `FERRY_CTR_PROVIDER=off`), then
    /// starts libssh2: both before any connection, and so before any thread uses OpenSSL.
    private static let initialized: Bool = {
        if ProcessInfo.processInfo.environment["FERRY_CTR_PROVIDER"] != "off" { _ = ferry_ctr_install() }
        return libssh2_init(0) == 0
    }()

    /// Whether AES-CTR keystream is made in bulk (see `CFerryCipher`).
    static var bulkKeystream: Bool { ferry_ctr_installed() == 1 }

    /// Initialises libssh2 the first time it is called; later calls do nothing.
    static func initializeOnce() { _ = initialized }
}
