import FerryBase
import FerryCore
import FerryLineEditor
import Foundation
import Synchronization

/// Turns Ctrl-C into a request to stop the running command, rather than the end of Ferry, and SIGTERM
/// or SIGHUP into the same request followed by the end of Ferry.
///
/// The signals are blocked in every thread (threads inherit the mask of the main thread, which blocks
/// them before any other starts) and taken by one thread with `sigwait`. So no libssh2 call is ever cut
/// short by a signal, which would leave its session mid-packet; commands look at the flag between steps
/// instead, and a download removes its temporary file on the way out, whichever signal stopped it.
/// A second signal while a command has not yet reacted ends Ferry at once. Terminal resizes
/// (SIGWINCH) are taken the same way, for the line editor. A signal that was ignored when Ferry
/// started (`nohup`, a shell's `cmd &`) stays ignored.
final class InterruptWatcher: TerminalSignals {
    let cancellation = Cancellation()
    private let resized = Atomic<Bool>(false)
    /// Readable after each Ctrl-C or resize, so the line editor can wake from waiting for a key.
    let wakeDescriptor: Int32
    private let writeDescriptor: Int32

    private init(read: Int32, write: Int32) {
        wakeDescriptor = read
        writeDescriptor = write
    }

    /// Blocks the signals and starts the watching thread. Call before any other thread starts.
    ///
    /// Each of SIGINT, SIGTERM and SIGHUP that was already ignored (SIGINT under a shell's `cmd &`,
    /// SIGHUP under `nohup`) stays ignored; nil when all three were.
    static func start() -> InterruptWatcher? {
        var signals = sigset_t()
        sigemptyset(&signals)
        let taken = [SIGINT, SIGTERM, SIGHUP].filter { !isIgnored($0) }
        if taken.isEmpty { return nil }
        for signal in taken + [SIGWINCH] { sigaddset(&signals, signal) }
        guard pthread_sigmask(SIG_BLOCK, &signals, nil) == 0 else { return nil }
        var ends: [Int32] = [-1, -1]
        guard pipe(&ends) == 0 else { return nil }
        for end in ends {
            _ = fcntl(end, F_SETFD, FD_CLOEXEC)
            _ = fcntl(end, F_SETFL, O_NONBLOCK)
        }
        let watcher = InterruptWatcher(read: ends[0], write: ends[1])
        let watched = signals
        let thread = Thread { watcher.watch(watched) }
        thread.name = "ferry-interrupts"
        thread.stackSize = 64 * 1024
        thread.start()
        return watcher
    }

    private static func isIgnored(_ signal: Int32) -> Bool {
        var current = sigaction()
        guard sigaction(signal, nil, &current) == 0, let handler = current.__sigaction_handler.sa_handler else {
            return false
        }
        return unsafeBitCast(handler, to: Int.self) == unsafeBitCast(SIG_IGN, to: Int.self)
    }

    private func watch(_ signals: sigset_t) {
        var signals = signals
        var number: Int32 = 0
        while sigwait(&signals, &number) == 0 {
            if number == SIGWINCH {
                resized.store(true, ordering: .relaxed)
                var byte: UInt8 = 2
                _ = write(writeDescriptor, &byte, 1)
                continue
            }
            if cancellation.isCancelled {
                let message = "\nferry: \(number == SIGINT ? "interrupted" : "terminated")\n"
                _ = message.withCString { write(STDERR_FILENO, $0, strlen($0)) }
                _exit(128 + number)
            }
            if number == SIGINT {
                cancellation.interrupt()
            } else {
                cancellation.terminate(signal: number)
            }
            var byte: UInt8 = 1
            _ = write(writeDescriptor, &byte, 1)
        }
    }

    /// Empties the wake-up pipe.
    func drain() {
        var buffer = [UInt8](repeating: 0, count: 64)
        while read(wakeDescriptor, &buffer, buffer.count) > 0 {}
    }

    /// Whether the terminal changed size since the last call.
    func takeResize() -> Bool { resized.exchange(false, ordering: .relaxed) }
}
