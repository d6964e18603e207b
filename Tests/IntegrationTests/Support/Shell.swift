import Foundation

/// The result of running a program.
struct RunResult {
    var status: Int32
    var stdout: String
    var stderr: String
}

/// Runs programs for the tests, collecting their output without deadlocking on full pipes.
enum Shell {
    /// Runs `executable` with `arguments`; fails the test process loudly if it cannot start.
    @discardableResult
    static func run(
        _ executable: String, _ arguments: [String], environment: [String: String]? = nil,
        directory: String? = nil, input: String? = nil, timeout: TimeInterval = 120
    ) -> RunResult {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        if let environment { process.environment = environment }
        if let directory { process.currentDirectoryURL = URL(fileURLWithPath: directory) }
        let out = Pipe()
        let err = Pipe()
        let inPipe = Pipe()
        // Tests start processes concurrently: without close-on-exec, a long-lived server started by one
        // test would inherit another test's pipe and keep it open, and that test would wait forever.
        for pipe in [out, err, inPipe] {
            for handle in [pipe.fileHandleForReading, pipe.fileHandleForWriting] {
                _ = fcntl(handle.fileDescriptor, F_SETFD, FD_CLOEXEC)
            }
        }
        process.standardOutput = out
        process.standardError = err
        process.standardInput = input == nil ? FileHandle.nullDevice : inPipe
        do {
            try process.run()
        } catch {
            return RunResult(status: -1, stdout: "", stderr: "cannot start \(executable): \(error)")
        }
        if let input {
            inPipe.fileHandleForWriting.write(Data(input.utf8))
            try? inPipe.fileHandleForWriting.close()
        }
        // Read both pipes here with poll until the process has exited and the pipes are drained. A server
        // started concurrently by another test may have inherited a write end; once the process is gone,
        // a pipe that stays silent is taken as finished instead of waiting for an end of file that a
        // long-lived server would hold back.
        var output = Data()
        var errors = Data()
        let descriptors = [out.fileHandleForReading.fileDescriptor, err.fileHandleForReading.fileDescriptor]
        try? out.fileHandleForWriting.close()
        try? err.fileHandleForWriting.close()
        var open = [true, true]
        let deadline = Date(timeIntervalSinceNow: timeout)
        var exitedAt: Date?
        var buffer = [UInt8](repeating: 0, count: 65536)
        var timedOut = false
        while open.contains(true) {
            if exitedAt == nil, !process.isRunning { exitedAt = Date() }
            if Date() > deadline {
                timedOut = true
                process.terminate()
                break
            }
            var fds = descriptors.enumerated().filter { open[$0.offset] }.map {
                pollfd(fd: $0.element, events: Int16(POLLIN), revents: 0)
            }
            if poll(&fds, nfds_t(fds.count), 100) <= 0 {
                if exitedAt != nil { break }
                continue
            }
            for pfd in fds where pfd.revents != 0 {
                guard let index = descriptors.firstIndex(of: pfd.fd) else { continue }
                let count = read(pfd.fd, &buffer, buffer.count)
                if count <= 0 {
                    open[index] = false
                } else if index == 0 {
                    output.append(contentsOf: buffer[0..<count])
                } else {
                    errors.append(contentsOf: buffer[0..<count])
                }
            }
        }
        process.waitUntilExit()
        // A process killed by a signal is reported as a shell would (128 + signal), and says so.
        let killed = process.terminationReason == .uncaughtSignal
        if killed { errors.append(contentsOf: Array("[killed by signal \(process.terminationStatus)]\n".utf8)) }
        return RunResult(
            status: timedOut ? -2 : killed ? 128 + process.terminationStatus : process.terminationStatus,
            stdout: String(decoding: output, as: UTF8.self), stderr: String(decoding: errors, as: UTF8.self))
    }

    /// Runs `/bin/sh -c command` and returns its standard output; for test set-up.
    @discardableResult
    static func sh(_ command: String) -> RunResult { run("/bin/sh", ["-c", command]) }
}
