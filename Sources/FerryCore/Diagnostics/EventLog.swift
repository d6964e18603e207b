import FerryBase
import FerryTransfer
import Foundation

/// One line of `--events` output (schema `ferry-events/1`): what happened, when, on which host, and
/// the fields that kind of event has. Fields without a value are left out.
public struct FerryEvent: Encodable, Sendable {
    /// The kinds of event, spelled as the schema spells them.
    public enum Kind: String, Encodable, Sendable, CaseIterable {
        case runStart = "run-start"
        case hostStart = "host-start"
        case connected
        case commandStart = "command-start"
        case commandEnd = "command-end"
        case progress, retry
        case hostEnd = "host-end"
        case runEnd = "run-end"
        /// A wave of hosts starts (`--waves`).
        case waveStart = "wave-start"
        /// A host reached a `barrier` line and waits there.
        case barrierReached = "barrier-reached"
        /// Every host came to the barrier or ended, and the waiting hosts go on.
        case barrierReleased = "barrier-released"
        /// Every host came to the barrier or ended, the failure budget was spent, and the host stops.
        case barrierHeld = "barrier-held"
    }

    /// How a command or a host ended (`command-end`, `host-end`), as the report says it.
    public enum Status: Encodable, Sendable, Equatable {
        case command(CommandStatus)
        case host(HostStatus)

        public func encode(to encoder: any Encoder) throws {
            var container = encoder.singleValueContainer()
            switch self {
            case .command(let status): try container.encode(status.rawValue)
            case .host(let status): try container.encode(status.rawValue)
            }
        }
    }

    public var event: Kind
    /// UTC, ISO 8601 with milliseconds.
    public var time = ""
    public var schema: String?
    public var host: String?
    public var script: String?
    public var hosts: Int?
    public var line: Int?
    public var command: String?
    public var status: Status?
    public var message: String?
    public var exitStatus: Int?
    /// Why a command or host failed (`command-end`, `host-end`).
    public var reason: FailureReason?
    /// `connected`: the negotiated key exchange, host key, cipher, MAC and compression.
    public var methods: [String: String]?
    public var hostKey: String?
    /// `progress`: the file (or `N/M files`), bytes so far, bytes in all and bytes a second.
    public var file: String?
    public var bytes: UInt64?
    public var total: UInt64?
    public var rate: UInt64?
    /// `progress`: the cap in force on the transfer (bytes a second), when there is one.
    public var cap: UInt64?
    /// `retry`: the attempt and the wait before it, in seconds.
    public var attempt: Int?
    public var delaySeconds: Int?
    /// `run-end`: hosts by status.
    public var summary: [String: Int]?
    /// The wave a host runs in, or that starts (`wave-start`, `host-start`, `host-end`), from 1.
    public var wave: Int?
    /// `wave-start`: the number of waves in the run.
    public var waves: Int?
    /// The barrier's name (`barrier-…`), when the script gives it one.
    public var barrier: String?

    enum CodingKeys: String, CodingKey {
        case event, time, schema, host, script, hosts, line, command, status, message, reason, methods, file, bytes
        case total
        case rate, cap, attempt, summary, wave, waves, barrier
        case exitStatus = "exit_status"
        case hostKey = "host_key"
        case delaySeconds = "delay_seconds"
    }

    /// Creates an event of kind `event`.
    public init(_ event: Kind, host: String? = nil) {
        self.event = event
        self.host = host
    }
}

/// Where `--events` go: one JSON object a line, written whole under a lock, so the lines of hosts
/// running at once never mix. Every text in an event is JSON-escaped, so a server's words cannot
/// break a line.
public final class EventLog: @unchecked Sendable {
    private let lock = NSLock()
    private let descriptor: Int32
    private let closes: Bool
    private let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }()
    /// Per progress key: its first update (time and bytes) and when an event was last written.
    private var progressTimes:
        [String: (first: ContinuousClock.Instant, firstBytes: UInt64, last: ContinuousClock.Instant)] =
            [:]

    /// Writes to `descriptor` (standard output is 1); `closes` closes it at the end.
    public init(descriptor: Int32, closes: Bool) {
        self.descriptor = descriptor
        self.closes = closes
    }

    /// Opens `path` for `--events`: `-` is standard output, `fd:N` an inherited descriptor, else a file
    /// created or emptied.
    public static func open(_ path: String) throws(LocalFileError) -> EventLog {
        if path == "-" { return EventLog(descriptor: STDOUT_FILENO, closes: false) }
        if path.hasPrefix("fd:"), let number = Int32(path.dropFirst(3)), number >= 0 {
            guard fcntl(number, F_GETFD) != -1 else { throw LocalFileError(path: path, operation: "open") }
            return EventLog(descriptor: number, closes: false)
        }
        let file = Foundation.open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        if file < 0 { throw LocalFileError(path: path, operation: "open") }
        return EventLog(descriptor: file, closes: true)
    }

    deinit { if closes { Foundation.close(descriptor) } }

    /// Writes `event`, stamped with the time.
    public func emit(_ event: FerryEvent) {
        var stamped = event
        stamped.time = Self.timestamp()
        guard var data = try? encoder.encode(stamped) else { return }
        data.append(0x0A)
        lock.withLock {
            data.withUnsafeBytes { raw in
                var offset = 0
                while offset < raw.count {
                    let written = write(descriptor, raw.baseAddress?.advanced(by: offset), raw.count - offset)
                    if written < 0, errno == EINTR { continue }
                    if written <= 0 { return }
                    offset += written
                }
            }
        }
    }

    /// Writes a progress event for `key` (a host and file) at most once a second, with the rate since
    /// the first update of that key (counted from the bytes it had then: a many-file count that
    /// changes its name keeps counting the same bytes).
    public func progress(_ event: FerryEvent, key: String) {
        let now = ContinuousClock.now
        let bytes = event.bytes ?? 0
        let first: (time: ContinuousClock.Instant, bytes: UInt64)? = lock.withLock {
            guard let times = progressTimes[key] else {
                progressTimes[key] = (now, bytes, now)
                return (now, bytes)
            }
            if times.last.duration(to: now) < .seconds(1) { return nil }
            progressTimes[key] = (times.first, times.firstBytes, now)
            return (times.first, times.firstBytes)
        }
        guard let first else { return }
        var stamped = event
        let seconds = first.time.duration(to: now).inSeconds
        if seconds > 0, bytes >= first.bytes { stamped.rate = UInt64(Double(bytes - first.bytes) / seconds) }
        emit(stamped)
    }

    private static func timestamp() -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter.string(from: Date())
    }
}
