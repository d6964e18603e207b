import FerryCore
import Foundation

/// The text a run over many hosts shows: each host's headline or block, the gathered outputs, and the
/// table at the end. Pure formatting; where it goes is the caller's business.
public enum FleetSummary {
    /// A host's one-line result: `web1: ok (1.2 s)`, `db2: FAILED (0.4 s) at line 3: get …`.
    public static func headline(_ result: HostResult) -> String {
        let seconds = String(format: "%.1f s", result.duration)
        switch result.status {
        case .ok: return "\(result.label): ok (\(seconds))"
        case .notRun: return "\(result.label): \(result.message ?? "not run")"
        default:
            // The message itself is in the host's output, just below.
            let what = result.status == .timedOut ? result.message : result.failedCommand.map { "at \($0)" }
            return "\(result.label): \(result.status.rawValue.uppercased()) (\(seconds))"
                + (what.map { " \($0)" } ?? "")
        }
    }

    /// One row a host, then the counts.
    public static func table(_ results: [HostResult]) -> String {
        let width = max(4, results.map(\.label.count).max() ?? 4)
        // With --waves, each host's wave is a column.
        let waves = results.contains { $0.wave != nil }
        var text =
            "host".padding(toLength: width, withPad: " ", startingAt: 0) + "  status     " + (waves ? " wave" : "")
            + "  seconds  failed command\n"
        for result in results {
            let wave =
                waves
                ? String(repeating: " ", count: max(0, 5 - String(result.wave ?? 0).count)) + String(result.wave ?? 0)
                : ""
            let seconds = result.status == .notRun ? "" : String(format: "%.1f", result.duration)
            var failed = result.failedCommand ?? ""
            if let message = result.message, result.status != .ok {
                failed += failed.isEmpty ? message : " (\(message))"
            }
            text +=
                result.label.padding(toLength: width, withPad: " ", startingAt: 0) + "  "
                + result.status.rawValue.padding(toLength: 11, withPad: " ", startingAt: 0) + wave
                + String(repeating: " ", count: max(0, 9 - seconds.count)) + seconds
                + (failed.isEmpty ? "" : "  " + failed) + "\n"
        }
        var counts: [String: Int] = [:]
        for result in results { counts[result.status.rawValue, default: 0] += 1 }
        text += "\(results.count) host\(results.count == 1 ? "" : "s"): " + HostStatus.tally(counts) + "\n"
        return text
    }

    /// A finished host's headline with its output indented below, as one block.
    public static func block(_ result: HostResult, position: String) -> String {
        var text = "\(position) \(headline(result))\n"
        var body = Substring(result.output)
        if body.hasSuffix("\n") { body = body.dropLast() }
        if !body.isEmpty {
            for line in body.split(separator: "\n", omittingEmptySubsequences: false) {
                text += "  " + line + "\n"
            }
        }
        return text
    }

    /// Hosts with the same output together (as `clush -b`), each group under a ruled heading.
    public static func gathered(_ results: [HostResult]) -> String {
        var groups: [(output: String, hosts: [String])] = []
        for result in results where result.status != .notRun {
            if let index = groups.firstIndex(where: { $0.output == result.essentials }) {
                groups[index].hosts.append(result.label)
            } else {
                groups.append((result.essentials, [result.label]))
            }
        }
        var text = ""
        for group in groups {
            let rule = String(repeating: "-", count: 16)
            var part = "\(rule)\n\(group.hosts.joined(separator: ",")) (\(group.hosts.count))\n\(rule)\n"
            part += group.output.isEmpty ? "(no output)\n" : group.output
            if !part.hasSuffix("\n") { part += "\n" }
            text += part
        }
        return text
    }
}
