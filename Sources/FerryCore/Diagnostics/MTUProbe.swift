import FerryBase
import FerryTransfer
import Foundation

/// Runs a shell command somewhere (on the remote host, or here) and returns how it went.
public protocol ProbeShell {
    func run(_ command: String) throws(CommandFailure) -> (status: Int32, output: String)
}

/// Finds the path MTU to a target with don't-fragment pings (iputils `ping -M do -s SIZE`), by a
/// binary search that jumps to any MTU the network reports.
public struct MTUProbe {
    public var target: String
    public var ipv6: Bool
    public var maximum: Int?
    /// The command name for messages (`ping-mtu` or `lping-mtu`).
    public var name = "ping-mtu"
    let shell: any ProbeShell

    /// Creates a probe.
    public init(target: String, ipv6: Bool, maximum: Int?, shell: any ProbeShell) {
        self.target = target
        self.ipv6 = ipv6
        self.maximum = maximum
        self.shell = shell
    }

    var overhead: Int { ipv6 ? 48 : 28 }

    /// The MTU named in ping's or ip's output: `mtu = 1500`, `mtu=1500`, `mtu 1500`.
    static func reportedMTU(in text: String) -> Int? {
        guard let range = text.range(of: #"mtu ?=? ?([0-9]+)"#, options: .regularExpression) else { return nil }
        return Int(text[range].filter(\.isNumber))
    }

    func ping(_ size: Int) throws(CommandFailure) -> (ok: Bool, output: String) {
        let command = "ping \(ipv6 ? "-6 " : "")-M do -c 1 -W 2 -s \(size) \(ShellWord.singleQuoted(target)) 2>&1"
        let result = try shell.run(command)
        return (result.status == 0, result.output)
    }

    /// Measures; throws a failure with a plain reason when it cannot.
    public func measure() throws(CommandFailure) -> MTUFigures {
        let (interface, interfaceMTU, routeOutput) = try outgoingInterface()
        var reported = Self.reportedMTU(in: routeOutput)
        try checkPingWorks()
        // An IP packet is at most 65,535 bytes, whatever the interface says (loopback has 65,536).
        let limit = min(interfaceMTU, 65535)
        let top = min(maximum ?? limit, limit)
        let good = try largestThatPasses(upTo: top, reported: &reported)
        let matched = good == top
        let explanation =
            matched
            ? (top < limit
                ? "path MTU to \(target) is at least \(good), the largest size asked for (--max)"
                : "path MTU to \(target) is \(good), as the outgoing interface \(interface) allows")
            : "path MTU to \(target) is \(good) but the outgoing interface \(interface) is set to \(interfaceMTU)"
                + (interfaceMTU > 1500 && good <= 1500
                    ? ": jumbo frames are not enabled end to end"
                    : ": packets larger than \(good) bytes are dropped or fragmented on the way")
        return MTUFigures(
            target: target, pathMTU: good, interface: interface, interfaceMTU: interfaceMTU,
            reportedMTU: reported, verdict: matched ? .matched : .mismatched, explanation: explanation)
    }

    /// The interface the route to the target leaves by, its MTU, and what `ip route get` said.
    private func outgoingInterface() throws(CommandFailure) -> (String, Int, String) {
        let route = try shell.run("ip \(ipv6 ? "-6 " : "")route get \(ShellWord.singleQuoted(target)) 2>&1")
        let words = route.output.split(whereSeparator: \.isWhitespace).map(String.init)
        guard route.status == 0, let devIndex = words.firstIndex(of: "dev"), devIndex + 1 < words.count else {
            throw CommandFailure(
                .command,
                "ping-mtu: no route to \(target): \(route.output.trimmingCharacters(in: .whitespacesAndNewlines))")
        }
        let interface = words[devIndex + 1]
        let mtuText = try shell.run("cat /sys/class/net/\(ShellWord.singleQuoted(interface))/mtu 2>&1")
        guard mtuText.status == 0,
            let interfaceMTU = Int(mtuText.output.trimmingCharacters(in: .whitespacesAndNewlines))
        else {
            throw CommandFailure(.command, "\(name): cannot read the MTU of interface \(interface)")
        }
        return (interface, interfaceMTU, route.output)
    }

    /// Fails when the smallest ping does not get through: a ping without `-M`, or a silent target.
    private func checkPingWorks() throws(CommandFailure) {
        let small = try ping(0)
        guard !small.ok else { return }
        let text = small.output.lowercased()
        if text.contains("invalid option") || text.contains("unrecognized option") || text.contains("usage")
            || text.contains("not found")
        {
            throw CommandFailure(
                .command,
                "ping-mtu: this host's ping cannot set don't-fragment (-M do); install iputils-ping (BusyBox ping has no -M)"
            )
        }
        throw CommandFailure(.command, "\(name): \(target) does not answer pings, so no path MTU can be measured")
    }

    /// The largest packet up to `top` that gets through: `top` itself, else what the network reported
    /// (kept in `reported`), else by bisection.
    private func largestThatPasses(upTo top: Int, reported: inout Int?) throws(CommandFailure) -> Int {
        var good = overhead  // a packet of just the headers got through
        let first = try ping(top - overhead)
        if first.ok { return top }
        var bad = top
        reported = Self.reportedMTU(in: first.output) ?? reported
        // Try what the network said first; then bisect what is left.
        if let hint = reported, hint > good, hint < top {
            if try ping(hint - overhead).ok { good = hint } else { bad = hint }
        }
        while bad - good > 1 {
            let middle = (good + bad) / 2
            let probe = try ping(middle - overhead)
            if probe.ok {
                good = middle
            } else {
                bad = middle
                if reported == nil { reported = Self.reportedMTU(in: probe.output) }
            }
        }
        return good
    }
}
