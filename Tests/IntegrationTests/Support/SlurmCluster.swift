import Foundation

/// A one-node SLURM cluster of Debian's `slurm-wlm`, started as root in a folder of its own: its own
/// `munged` (key, socket), `slurmctld` and `slurmd` on free ports, `SlurmdUser=root`,
/// `ProctrackType=proctrack/linuxproc`, `TaskPlugin=task/none`. Commands reach it through
/// `SLURM_CONF`; every daemon is stopped by the PID it wrote, at ``stop()`` and at exit.
final class SlurmCluster: @unchecked Sendable {
    let directory: String
    var config: String { directory + "/slurm.conf" }
    /// Why the cluster could not start, when it could not.
    private(set) var problem: String?

    private static let lock = NSLock()
    nonisolated(unsafe) private static var pidFiles: [String] = []

    init() {
        directory = NSTemporaryDirectory() + "ferry-slurm-\(UUID().uuidString.prefix(8))"
        let d = directory
        let host = Shell.sh("hostname -s").stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        let (controller, node) = (TestSSHServer.freePort(), TestSSHServer.freePort())
        Shell.sh(
            """
            mkdir -p \(d)/state \(d)/spool \(d)/munge && chmod 700 \(d)/munge &&
            head -c 1024 /dev/urandom > \(d)/munge/munge.key && chmod 400 \(d)/munge/munge.key
            """)
        let lines = [
            "ClusterName=ferrytest", "SlurmctldHost=\(host)(127.0.0.1)", "SlurmctldPort=\(controller)",
            "SlurmdPort=\(node)", "SlurmUser=root", "SlurmdUser=root", "AuthType=auth/munge", "CredType=cred/munge",
            "AuthInfo=socket=\(d)/munge/munge.socket", "StateSaveLocation=\(d)/state", "SlurmdSpoolDir=\(d)/spool",
            "SlurmctldPidFile=\(d)/slurmctld.pid", "SlurmdPidFile=\(d)/slurmd.pid",
            "SlurmctldLogFile=\(d)/slurmctld.log", "SlurmdLogFile=\(d)/slurmd.log",
            "ProctrackType=proctrack/linuxproc", "TaskPlugin=task/none", "SchedulerType=sched/backfill",
            "SelectType=select/cons_tres", "SelectTypeParameters=CR_Core", "SlurmdParameters=config_overrides",
            "ReturnToService=2", "MpiDefault=none", "MailProg=/bin/true", "JobCompType=jobcomp/none",
            "AccountingStorageType=accounting_storage/none", "JobAcctGatherType=jobacct_gather/none",
            // Eight CPUs whatever the machine has, so the four tasks of an array run side by side.
            "NodeName=ferrynode NodeAddr=127.0.0.1 CPUs=8 State=UNKNOWN",
            "PartitionName=ferry Nodes=ferrynode Default=YES MaxTime=INFINITE State=UP",
        ]
        try? (lines.joined(separator: "\n") + "\n").write(toFile: config, atomically: true, encoding: .utf8)
        Self.lock.withLock {
            Self.pidFiles += ["\(d)/slurmd.pid", "\(d)/slurmctld.pid", "\(d)/munge/munged.pid"]
            if Self.pidFiles.count == 3 { atexit { SlurmCluster.stopAll() } }
        }
        // Started with system(3), which waits for the shell itself: the daemons it leaves behind write
        // into the folder, never into a pipe of the test's.
        let started = system(
            """
            exec </dev/null >\(d)/start.log 2>&1
            /usr/sbin/munged --force --key-file=\(d)/munge/munge.key --socket=\(d)/munge/munge.socket \
              --pid-file=\(d)/munge/munged.pid --log-file=\(d)/munge/munged.log --seed-file=\(d)/munge/seed &&
            SLURM_CONF=\(config) /usr/sbin/slurmctld -i && SLURM_CONF=\(config) /usr/sbin/slurmd -N ferrynode
            """)
        // The daemons write into the folder, never into the test's pipes (which they would hold open).
        if started != 0 {
            problem =
                "cannot start the cluster: " + ((try? String(contentsOfFile: d + "/start.log", encoding: .utf8)) ?? "")
        }
        // Ready once the node is idle.
        let deadline = Date().addingTimeInterval(20)
        while problem == nil, !run("sinfo -h -o %t").stdout.contains("idle") {
            if Date() > deadline { problem = "the node never became idle: " + run("sinfo").stdout }
            usleep(200_000)
        }
    }

    /// Runs `command` with `/bin/sh` against this cluster, in `directory` when given.
    @discardableResult
    func run(_ command: String, in folder: String? = nil, environment: [String: String] = [:]) -> RunResult {
        var env = ProcessInfo.processInfo.environment
        env["SLURM_CONF"] = config
        for (key, value) in environment { env[key] = value }
        return Shell.run("/bin/sh", ["-c", command], environment: env, directory: folder, timeout: 180)
    }

    /// Stops this cluster's daemons.
    func stop() {
        Self.stop(pidFiles: ["\(directory)/slurmd.pid", "\(directory)/slurmctld.pid", "\(directory)/munge/munged.pid"])
    }

    private static func stopAll() { stop(pidFiles: lock.withLock { pidFiles }) }

    private static func stop(pidFiles: [String]) {
        for file in pidFiles {
            guard let text = try? String(contentsOfFile: file, encoding: .utf8),
                let pid = Int32(text.trimmingCharacters(in: .whitespacesAndNewlines)), pid > 0
            else { continue }
            kill(pid, SIGTERM)
        }
    }
}
