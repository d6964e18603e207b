/// Why a proxy could not carry a connection; the message names the proxy and what it answered.
public enum ProxyError: Error, CustomStringConvertible, Equatable, Sendable {
    case unreachable(proxy: String, reason: String)
    case refused(proxy: String, target: String, answer: String)
    case needsCredentials(proxy: String, answer: String)
    case badCredentials(proxy: String, answer: String)
    case protocolError(proxy: String, detail: String)
    case commandFailed(proxy: String, reason: String)
    case jumpFailed(hop: String, reason: String)
    /// A value that would have changed the proxy request's meaning (a line break for a line protocol).
    case unsafeValue(proxy: String, reason: String)

    public var description: String {
        switch self {
        case .unreachable(let proxy, let reason): "\(proxy) cannot be reached: \(reason)"
        case .refused(let proxy, let target, let answer): "\(proxy) refused to connect to \(target): \(answer)"
        case .needsCredentials(let proxy, let answer): "\(proxy) wants a user name and password: \(answer)"
        case .badCredentials(let proxy, let answer): "\(proxy) rejected the user name or password: \(answer)"
        case .protocolError(let proxy, let detail): "\(proxy) answered something unexpected: \(detail)"
        case .commandFailed(let proxy, let reason): "\(proxy) failed: \(reason)"
        case .jumpFailed(let hop, let reason): "jump host \(hop) failed: \(reason)"
        case .unsafeValue(let proxy, let reason): "\(proxy) not used: \(reason)"
        }
    }
}
