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
        let collected = Collected()
        let group = DispatchGroup()
        for (handle, isError) in [(out.fileHandleForReading, false), (err.fileHandleForReading, true)] {
            group.enter()
            Thread.detachNewThread {
                let data = handle.readDataToEndOfFile()
                collected.set(data, isError: isError)
                group.leave()
            }
        }
        let finished = group.wait(timeout: .now() + timeout)
        if finished == .timedOut {
            process.terminate()
            _ = group.wait(timeout: .now() + 5)
        }
        process.waitUntilExit()
        return RunResult(
            status: finished == .timedOut ? -2 : process.terminationStatus,
            stdout: collected.text(isError: false), stderr: collected.text(isError: true))
    }

    /// Runs `/bin/sh -c command` and returns its standard output; for test set-up.
    @discardableResult
    static func sh(_ command: String) -> RunResult { run("/bin/sh", ["-c", command]) }
}

private final class Collected: @unchecked Sendable {
    private let lock = NSLock()
    private var out = Data()
    private var err = Data()

    func set(_ data: Data, isError: Bool) {
        lock.lock()
        if isError { err = data } else { out = data }
        lock.unlock()
    }

    func text(isError: Bool) -> String {
        lock.lock()
        defer { lock.unlock() }
        return String(decoding: isError ? err : out, as: UTF8.self)
    }
}
