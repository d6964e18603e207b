import FerryBase
import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// Opens the socket SSH runs over: directly, or through the proxy when it applies to the host.
public enum ProxyDialer {
    /// A socket connected to `host:port`, through `proxy` unless its exclude rules say otherwise.
    public static func connect(
        host: String, port: Int, via proxy: ProxySettings?, family: AddressFamily,
        timeout: Int, cancellation: Cancellation? = nil, log: (String) -> Void = { _ in }
    ) throws -> TCPSocket {
        guard let proxy, proxy.applies(to: host) else {
            if let proxy {
                log(
                    "not using \(proxy.label) for \(host): "
                        + (ProxySettings.isLocalhost(host) && !proxy.proxyLocalhost
                            ? "it is this machine (--proxy-localhost changes that)" : "it is excluded"))
            }
            return try TCPSocket(host: host, port: port, family: family, timeout: timeout, cancellation: cancellation)
        }
        log("connecting to \(host) port \(port) through \(proxy.label)")
        if proxy.kind == .command {
            let socket = try commandSocket(proxy, host: host, port: port)
            socket.register(with: cancellation)
            return socket
        }
        if (try? TargetName.host(proxy.host)) == nil {
            throw ProxyError.unsafeValue(proxy: proxy.label, reason: "its host name is not usable")
        }
        let socket: TCPSocket
        do {
            socket = try TCPSocket(
                host: proxy.host, port: proxy.port, family: family, timeout: timeout, cancellation: cancellation)
        } catch let error as ConnectionError {
            throw ProxyError.unreachable(proxy: proxy.label, reason: error.description)
        }
        let stream = ProxyStream(descriptor: socket.descriptor, timeout: timeout, label: proxy.label)
        switch proxy.kind {
        case .http: try HTTPConnectProxy.handshake(stream, settings: proxy, host: host, port: port)
        case .socks4, .socks4a:
            try SOCKSProxy.handshake4(stream, settings: proxy, host: host, port: port, family: family)
        case .socks5: try SOCKSProxy.handshake5(stream, settings: proxy, host: host, port: port, family: family)
        case .telnet:
            let text = try expand(ProxyTemplate(proxy.command ?? "connect %host %port\\n"), proxy, host, port, .line)
            try stream.send(Array(text.utf8))
        case .command: break
        }
        return socket
    }

    /// `template` with the host, port and the proxy's credentials in place, safe for `destination`.
    private static func expand(
        _ template: ProxyTemplate, _ proxy: ProxySettings, _ host: String, _ port: Int,
        _ destination: ProxyTemplate.Destination
    ) throws(ProxyError) -> String {
        do {
            return try template.expand(
                host: host, port: port, user: proxy.username, password: proxy.password, for: destination)
        } catch {
            throw ProxyError.unsafeValue(proxy: proxy.label, reason: error.reason)
        }
    }

    /// Starts the proxy command with one end of a socket pair as its standard input and output.
    static func commandSocket(_ proxy: ProxySettings, host: String, port: Int) throws -> TCPSocket {
        let commandLine = try expand(ProxyTemplate(proxy.command ?? ""), proxy, host, port, .shell)
        var pair: [Int32] = [-1, -1]
        guard socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0, &pair) == 0 else {
            throw ProxyError.commandFailed(proxy: proxy.label, reason: String(cString: strerror(errno)))
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", commandLine]
        let childEnd = FileHandle(fileDescriptor: pair[1], closeOnDealloc: false)
        process.standardInput = childEnd
        process.standardOutput = childEnd
        let exited = DispatchSemaphore(value: 0)
        process.terminationHandler = { _ in exited.signal() }
        do {
            try process.run()
        } catch {
            close(pair[0])
            close(pair[1])
            throw ProxyError.commandFailed(
                proxy: proxy.label, reason: "cannot start /bin/sh: \(error.localizedDescription)")
        }
        close(pair[1])
        let socket = TCPSocket(adopting: pair[0]) {
            if process.isRunning { process.terminate() }
            process.waitUntilExit()
        }
        socket.diagnose = {
            // A command that has exited (or exits very soon) explains a handshake that saw only end of file.
            guard exited.wait(timeout: .now() + 0.1) == .success else { return nil }
            return "it exited with status \(process.terminationStatus) before the SSH handshake finished"
        }
        return socket
    }
}
