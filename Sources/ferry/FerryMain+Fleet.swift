import FerryBase
import FerryCore
import FerryFleet
import FerryScript
import FerrySessions
import Foundation

/// What the single-host set-up hands to a run over many hosts.
struct FleetContext {
    let resolver: SessionResolver
    let store: ProfileStore
    let defaultUser: String
    let console: TerminalConsole
    let watcher: InterruptWatcher?
}

extension FerryMain {
    /// `-load a -load b`, several hosts, or `--hosts FILE`: the script runs on each host.
    func runFleet(_ script: Script?, _ context: FleetContext) -> Int32 {
        let console = context.console
        guard let script else {
            console.report("ferry: several hosts need a batch script (-b FILE)")
            return FailureClass.usage.exitStatus
        }
        let collisions = Fleet.collisions(in: script)
        if !collisions.isEmpty {
            for diagnostic in collisions { console.report(diagnostic.description) }
            console.report("ferry: \(script.file): local files would collide between hosts; nothing was run")
            return FailureClass.usage.exitStatus
        }
        var targets =
            options.load.map { FleetTarget(name: $0, origin: "-load") }
            + options.targets.map { FleetTarget(name: $0, origin: "command line") }
        if let file = options.hostsFile {
            guard let data = FileManager.default.contents(atPath: file) else {
                let reason = FileManager.default.fileExists(atPath: file) ? "permission denied" : "no such file"
                console.report("ferry: hosts file \(file): \(reason)")
                return FailureClass.usage.exitStatus
            }
            var listed = FleetTarget.parseHostsFile(String(decoding: data, as: UTF8.self), file: file)
            if !options.groups.isEmpty {
                listed = listed.filter { !Set($0.tags).isDisjoint(with: options.groups) }
            }
            targets += listed
        }
        guard !targets.isEmpty else {
            console.report("ferry: no hosts to run on" + (options.groups.isEmpty ? "" : " in the groups given"))
            return FailureClass.usage.exitStatus
        }
        let hosts: [FleetHost]
        do {
            hosts = try resolveFleet(targets, context)
        } catch {
            for line in error.lines { console.report(line) }
            return FailureClass.usage.exitStatus
        }

        let root = PathRules.resolve(options.diagnostics ?? "diagnostics", in: FileManager.default.currentDirectoryPath)
        var fleetOptions = FleetOptions()
        fleetOptions.parallel = options.parallel
        fleetOptions.hostTimeout = options.hostTimeout
        fleetOptions.failFast = options.failFast
        fleetOptions.stream = options.stream
        fleetOptions.keepsOutput = options.json || options.gather
        fleetOptions.batch = BatchOptions(echo: options.echoCommands, keepGoing: options.keepGoing)
        let terminal = FleetTerminal(
            mode: options.json ? .json : options.gather ? .gather : options.stream ? .stream : .blocks)
        let fleet = Fleet(
            hosts: hosts, options: fleetOptions, cancellation: context.watcher?.cancellation ?? Cancellation(),
            observer: terminal, diagnosticsRoot: root)
        let started = Date()
        let results = fleet.run(script)
        let status: Int32 =
            results.contains { $0.status == .interrupted } || context.watcher?.cancellation.isCancelled == true
            ? context.watcher?.cancellation.exitStatus ?? FailureClass.interrupted.exitStatus
            : results.allSatisfy { $0.status == .ok } ? 0 : FailureClass.someHosts.exitStatus
        let report = RunReport(
            run: PathRules.lastComponent(fleet.runFolder), script: script.file, started: started, finished: Date(),
            exitStatus: status, hosts: results.map { $0.reportEntry(withOutput: false) })
        var reportPath: String?
        do {
            try FileManager.default.createDirectory(atPath: fleet.runFolder, withIntermediateDirectories: true)
            try report.write(to: fleet.runFolder)
            reportPath = fleet.runFolder + "/report.md"
        } catch {
            console.report("ferry: cannot write the report in \(fleet.runFolder): \(error.localizedDescription)")
        }
        var machine = report
        machine.hosts = results.map { $0.reportEntry(withOutput: true) }
        terminal.finish(results, report: machine, reportPath: reportPath)
        return status
    }

    /// Each target as a host to run on: a saved session by name, else `[user@]host[:port]`.
    func resolveFleet(_ targets: [FleetTarget], _ context: FleetContext) throws(FleetSetupError) -> [FleetHost] {
        var problems: [String] = []
        var resolved: [(target: FleetTarget, short: String, session: ResolvedSession)] = []
        for target in targets {
            do {
                if ProfileStore.isValidName(target.name), context.store.knows(target.name) {
                    let session = try context.resolver.resolve(try context.store.load(target.name))
                    guard session.target != nil else {
                        problems.append("ferry: \(target.origin): session '\(target.name)' names no host")
                        continue
                    }
                    resolved.append((target, target.name, session))
                    continue
                }
                guard
                    let parsed = ConnectionTarget(
                        parsing: target.name, defaultUser: context.defaultUser, defaultPort: options.port ?? 22),
                    FleetTarget.isValidHost(parsed.host)
                else {
                    problems.append(
                        "ferry: \(target.origin): '\(target.name)' is neither a saved session nor [user@]host[:port]")
                    continue
                }
                var resolver = context.resolver
                resolver.commandLine.target = parsed
                if target.name.contains("@") { resolver.commandLine.givenUser = parsed.user }
                let session = try resolver.resolve(nil)
                let port = parsed.port == (options.port ?? 22) ? "" : ":\(parsed.port)"
                resolved.append((target, parsed.host + port, session))
            } catch {
                problems.append("ferry: \(target.origin): \(error)")
            }
        }
        // A host named twice with different users keeps its user in its name; named twice alike is a mistake.
        var shortCounts: [String: Int] = [:]
        for entry in resolved { shortCounts[entry.short, default: 0] += 1 }
        var seen: [String: String] = [:]
        var hosts: [FleetHost] = []
        for entry in resolved {
            let label = (shortCounts[entry.short] ?? 0) > 1 ? entry.target.name : entry.short
            if let earlier = seen[label] {
                problems.append("ferry: \(entry.target.origin): '\(label)' is already listed (\(earlier))")
                continue
            }
            seen[label] = entry.target.origin
            var settings = InterpreterSettings(defaultUser: context.defaultUser, connect: entry.session.options)
            settings.defaultPort = options.port ?? 22
            settings.transferConnections = options.connections
            settings.initialTarget = entry.session.target
            hosts.append(FleetHost(label: label, tags: entry.target.tags, settings: settings, session: entry.session))
        }
        if !problems.isEmpty { throw FleetSetupError(lines: problems) }
        return hosts
    }
}

/// Why the hosts of a run could not be set up; every problem, one line each.
struct FleetSetupError: Error {
    let lines: [String]
}
