import FerryBase
import FerryCore
import FerryScript
import FerrySessions
import FerryTransport
import Foundation

extension Setup {
    /// The hosts `script` runs on: `-load` sessions, hosts on the command line, then the hosts file's
    /// (kept to the groups asked for), or this shard's slice of them with what the shard's report
    /// says of the run. Every problem is found before anything connects.
    public func fleetHosts(for script: Script?) throws(SetupError) -> (
        hosts: [FleetHost], shard: RunReport.ShardRecord?
    ) {
        let hosts = try allFleetHosts(for: script)
        guard let script else { return (hosts, nil) }
        // A shard's barriers wait for its own hosts only: they are checked on its slice.
        guard let shard = invocation.shard else { return (try checkingBarriers(hosts, script: script), nil) }
        guard let runID = invocation.runID else {
            throw SetupError([
                "ferry: --shard \(shard.name) needs the run's id, the same for every shard: give --run-id ID"
                    + " (SLURM_ARRAY_JOB_ID and FERRY_RUN_ID are read when set)"
            ])
        }
        // The split's input: every host, sorted by name (labels are unique, so nothing repeats).
        let sorted = hosts.sorted { $0.label < $1.label }
        let slice = shard.positions(among: sorted.count).map { sorted[$0] }
        let record = RunReport.ShardRecord(
            runID: runID, index: shard.index, count: shard.count, attempt: 1,
            inventorySHA256: Shard.digest(of: sorted.map(\.label)), mapping: shard.source,
            inventory: sorted.map { RunReport.ShardRecord.Member(host: $0.label, target: $0.target) })
        return (try checkingBarriers(slice, script: script), record)
    }

    private func allFleetHosts(for script: Script?) throws(SetupError) -> [FleetHost] {
        guard let script else { throw SetupError(["ferry: several hosts need a batch script (-b FILE)"]) }
        let collisions = Fleet.collisions(in: script)
        if !collisions.isEmpty {
            throw SetupError(
                collisions.map(\.description)
                    + ["ferry: \(script.file): local files would collide between hosts; nothing was run"])
        }
        var targets =
            invocation.sessionsToLoad.map { FleetTarget(name: $0, origin: "-load") }
            + invocation.targets.map { FleetTarget(name: $0, origin: "command line") }
        if let file = invocation.hostsFile {
            let data: Data
            do {
                data = try BoundedFile.read(file, limit: BoundedFile.Limit.hostsFile)
            } catch {
                throw SetupError(["ferry: hosts file \(file): \(error.reason)"])
            }
            var (listed, problems) = FleetTarget.parseHostsFile(String(decoding: data, as: UTF8.self), file: file)
            if !problems.isEmpty { throw SetupError(problems) }
            if !invocation.groups.isEmpty {
                listed = listed.filter { !Set($0.tags).isDisjoint(with: invocation.groups) }
            }
            targets += listed
        }
        if let path = invocation.rerunReport {
            let failed = try Self.failedHosts(in: path)
            if targets.isEmpty {
                targets = failed.map { FleetTarget(name: $0.target ?? $0.host, origin: "report \(path)") }
            } else {
                // The hosts named now, kept to those that did not end ok in the earlier run.
                let labels = Set(failed.map(\.host))
                let hosts = try resolve(targets).filter { labels.contains($0.label) }
                if hosts.isEmpty { throw SetupError(["ferry: \(path): none of the hosts given failed in that run"]) }
                return hosts
            }
        }
        guard !targets.isEmpty else {
            throw SetupError(
                ["ferry: no hosts to run on" + (invocation.groups.isEmpty ? "" : " in the groups given")])
        }
        return try resolve(targets)
    }

    /// `hosts`, unless the script's barriers could never be passed with them.
    private func checkingBarriers(_ hosts: [FleetHost], script: Script) throws(SetupError) -> [FleetHost] {
        if let problem = Fleet.barrierProblem(in: script, hosts: hosts.count, options: invocation.fleet) {
            throw SetupError([problem])
        }
        return hosts
    }

    /// The report at `path`, read whole (within the size a report may have) and decoded.
    public static func readReport(_ path: String) throws(SetupError) -> RunReport {
        do {
            return try RunReport.read(from: path)
        } catch {
            throw SetupError(["ferry: \(error)"])
        }
    }

    /// The hosts of an earlier run's `report.json` that did not end `ok`.
    static func failedHosts(in path: String) throws(SetupError) -> [RunReport.Host] {
        let report = try readReport(path)
        let failed = report.hosts.filter { $0.status != .ok }
        if failed.isEmpty { throw SetupError(["ferry: report \(path): every host ended ok; nothing to run again"]) }
        return failed
    }

    /// Each target as a host to run on: a saved session by name, else `[user@]host[:port]`.
    private func resolve(_ targets: [FleetTarget]) throws(SetupError) -> [FleetHost] {
        var problems: [String] = []
        // Each host's settings are made when it starts, by this one maker, so a long hosts file
        // holds a session per host and no more.
        let makeSettings = { [self] (session: ResolvedSession) in settings(for: session) }
        var resolved: [(host: FleetHost, short: String, origin: String)] = []
        resolved.reserveCapacity(targets.count)
        for target in targets {
            do {
                guard let entry = try resolve(target, problems: &problems) else { continue }
                var host = FleetHost(
                    label: entry.short, tags: target.tags, session: entry.session, makeSettings: makeSettings)
                host.target = target.name
                resolved.append((host, entry.short, target.origin))
            } catch {
                problems.append("ferry: \(target.origin): \(error)")
            }
        }
        // A host named twice with different users keeps its user in its name; named twice alike is a mistake.
        var shortCounts: [String: Int] = [:]
        for entry in resolved { shortCounts[entry.short, default: 0] += 1 }
        var seen: [String: String] = [:]
        var kept: [FleetHost] = []
        kept.reserveCapacity(resolved.count)
        for (var host, short, origin) in resolved {
            if (shortCounts[short] ?? 0) > 1, let name = host.target { host.label = name }
            if let earlier = seen[host.label] {
                problems.append("ferry: \(origin): '\(host.label)' is already listed (\(earlier))")
                continue
            }
            seen[host.label] = origin
            kept.append(host)
        }
        if !problems.isEmpty { throw SetupError(problems) }
        return kept
    }

    /// One target's session and short name, or nil after noting why it cannot be one.
    private func resolve(_ target: FleetTarget, problems: inout [String]) throws(ProfileError)
        -> (target: FleetTarget, short: String, session: ResolvedSession)?
    {
        if ProfileStore.isValidName(target.name), store.knows(target.name) {
            var session = try resolver.resolve(try store.load(target.name))
            if let caps = target.bandwidthHost {
                session.settings.bandwidthHost = caps.lowest(with: session.settings.bandwidthHost)
            }
            guard session.target != nil else {
                problems.append("ferry: \(target.origin): session '\(target.name)' names no host")
                return nil
            }
            return (target, target.name, session)
        }
        var layer: ConnectionSettings
        do {
            layer = try ConnectionSettings(naming: target.name)
        } catch {
            problems.append("ferry: \(target.origin): not a saved session, and \(error)")
            return nil
        }
        layer.bandwidthHost = target.bandwidthHost
        let session = try resolver.resolve(nil, target: layer)
        guard let parsed = session.target else { return nil }
        let defaultPort = invocation.settings.port ?? 22
        let port = parsed.port == defaultPort ? "" : ":\(parsed.port)"
        return (target, parsed.host + port, session)
    }
}
