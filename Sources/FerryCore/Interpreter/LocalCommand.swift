import FerryBase
import Foundation

/// Runs `/bin/sh -c` commands on this machine for `!` and `lping-mtu`.
///
/// Ferry blocks SIGINT in all its threads (Ctrl-C is taken by one thread and stops commands between
/// steps), and a child would inherit that mask. These children get the normal mask and default
/// handling of SIGINT and SIGPIPE back, so Ctrl-C stops a local command as it would in a shell, while
/// proxy commands, started elsewhere, keep ignoring it and the connection survives (as OpenSSH's sftp
/// arranges for its ssh).
enum LocalCommand {
    /// How a local command ended.
    enum End: Equatable {
        case exited(Int32)
        case signalled(Int32)
    }

    /// Runs `commandLine` in `directory`; with `output`, its stdout and stderr are captured there.
    /// While it runs, a termination of Ferry (`cancellation`) is passed on to it.
    static func run(
        _ commandLine: String, in directory: String, output: UnsafeMutablePointer<Data>? = nil,
        cancellation: Cancellation? = nil
    ) throws(LocalFileError) -> End {
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        resetSignals(&attributes)
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        var ends: [Int32] = [-1, -1]
        if output != nil {
            guard pipe(&ends) == 0 else { throw LocalFileError(path: "pipe", operation: "create", code: errno) }
            posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
            posix_spawn_file_actions_adddup2(&actions, ends[1], 1)
            posix_spawn_file_actions_adddup2(&actions, ends[1], 2)
            posix_spawn_file_actions_addclose(&actions, ends[0])
            posix_spawn_file_actions_addclose(&actions, ends[1])
        }
        // The first shell enters the directory (posix_spawn's chdir action is a GNU extension Swift does
        // not see) and becomes the shell that runs the command.
        let words = ["/bin/sh", "-c", "cd -- \"$1\" && exec /bin/sh -c \"$2\"", "sh", directory, commandLine]
        let arguments: [UnsafeMutablePointer<CChar>?] = words.map { strdup($0) } + [nil]
        let environment: [UnsafeMutablePointer<CChar>?] =
            ProcessInfo.processInfo.environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer {
            for pointer in arguments + environment { free(pointer) }
        }
        var pid: pid_t = 0
        let spawned = posix_spawn(&pid, "/bin/sh", &actions, &attributes, arguments, environment)
        if output != nil { close(ends[1]) }
        guard spawned == 0 else {
            if output != nil { close(ends[0]) }
            throw LocalFileError(path: "/bin/sh", operation: "run", code: spawned)
        }
        cancellation?.attach(child: pid)
        defer { cancellation?.attach(child: 0) }
        if let output { collect(from: ends[0], into: output) }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 {
            guard errno == EINTR else { throw LocalFileError(path: "/bin/sh", operation: "wait", code: errno) }
        }
        // WIFEXITED and friends are macros Swift cannot call: the low seven bits hold the signal.
        let signal = status & 0x7f
        return signal == 0 ? .exited((status >> 8) & 0xff) : .signalled(signal)
    }

    /// The child starts with no signal blocked and Ctrl-C, SIGPIPE, SIGTERM and SIGHUP at their
    /// defaults, whatever Ferry does with them.
    private static func resetSignals(_ attributes: inout posix_spawnattr_t) {
        var mask = sigset_t()
        sigemptyset(&mask)
        posix_spawnattr_setsigmask(&attributes, &mask)
        var defaults = sigset_t()
        sigemptyset(&defaults)
        for signal in [SIGINT, SIGPIPE, SIGTERM, SIGHUP] { sigaddset(&defaults, signal) }
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
    }

    /// Reads the pipe `descriptor` to its end into `output`, then closes it.
    private static func collect(from descriptor: Int32, into output: UnsafeMutablePointer<Data>) {
        var buffer = [UInt8](repeating: 0, count: 16 * 1024)
        while true {
            let count = read(descriptor, &buffer, buffer.count)
            if count < 0, errno == EINTR { continue }
            if count <= 0 { break }
            output.pointee.append(contentsOf: buffer[0..<count])
        }
        close(descriptor)
    }
}
