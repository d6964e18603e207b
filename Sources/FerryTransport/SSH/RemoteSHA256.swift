import FerryBase
import Foundation

/// What a server answered when asked for files' SHA-256 digests.
public enum RemoteSHA256Answer: Equatable, Sendable {
    /// One digest per path asked, in order (64 lowercase hex digits), nil where the file could not be
    /// read; `tool` is the program that made them.
    case digests(tool: String, [String?])
    /// The server cannot make digests; why, in words for the user.
    case unavailable(String)
}

extension SFTPClient {
    /// Paths hashed by one remote command, and the most text its quoted paths may take.
    static let digestBatch = (paths: 200, bytes: 48 * 1024)
    /// The slowest hashing a server is allowed (bytes a second): with `--timeout`, it bounds how long
    /// one digest command may take however its server paces the answer.
    static let slowestHashing: UInt64 = 8 << 20

    /// Asks the server for the SHA-256 of each file in `paths` (absolute), by running `sha256sum`, or
    /// `shasum -a 256` where that is what it has, over an exec channel on this connection.
    ///
    /// SFTP's `check-file` extension would spare the shell, but libssh2 1.10 can neither see the
    /// extensions a server offers nor send one it does not know. A server that runs no commands for
    /// this account (an SFTP-only login, a refused exec request) or has neither program is
    /// `unavailable`. The files are read on the server through the shell's redirection, so their names
    /// never meet the tools' own output. Everything the server prints is checked: a line that is not a
    /// digest makes that file's answer nil, as does `cancellation` firing.
    ///
    /// Each command is bounded as a whole: it may take the session's `--timeout` plus the time to
    /// read `bytes` (the files' size together) at ``slowestHashing``, and a server that has not
    /// answered by then is `unavailable`. A server that stops answering altogether is given up sooner,
    /// after `--timeout` of silence (see ``RemoteCommand``).
    public func sha256(ofFiles paths: [String], bytes: UInt64 = 0, cancellation: Cancellation? = nil) throws
        -> RemoteSHA256Answer
    {
        let budget = session.timeout > 0 ? session.timeout + Int(bytes / Self.slowestHashing) : nil
        var digests: [String?] = []
        var tool = ""
        var start = 0
        repeat {
            var end = start
            var bytes = 0
            while end < paths.count, end - start < Self.digestBatch.paths, bytes < Self.digestBatch.bytes {
                bytes += paths[end].utf8.count + 4
                end += 1
            }
            switch try digestBatch(Array(paths[start..<end]), within: budget, cancellation: cancellation) {
            case .unavailable(let reason): return .unavailable(reason)
            case .digests(let used, let found):
                tool = used
                digests += found
            }
            start = end
        } while start < paths.count
        return .digests(tool: tool, digests)
    }

    /// One remote command for `paths`.
    private func digestBatch(_ paths: [String], within budget: Int?, cancellation: Cancellation?) throws
        -> RemoteSHA256Answer
    {
        let script =
            "if command -v sha256sum >/dev/null 2>&1; then t=sha256sum;"
            + " elif command -v shasum >/dev/null 2>&1; then t=\"shasum -a 256\";"
            + " else echo \"ferry-sha256 none\"; exit 0; fi; echo \"ferry-sha256 $t\";"
            + " for p do h=$($t < \"$p\" 2>/dev/null) && echo \"${h%% *}\" || echo -; done"
        let command = (["sh", "-c", script, "ferry"] + paths).map(ShellWord.singleQuoted).joined(separator: " ")
        // A digest line is 65 bytes; anything much longer is not an answer worth keeping.
        let limit = 200 + 80 * paths.count
        var output: [UInt8] = []
        let end: RemoteCommandEnd
        do {
            end = try RemoteCommand.run(
                command, session: session, timeout: budget, silence: session.timeout, cancellation: cancellation,
                stdout: { chunk in
                    if output.count < limit { output += chunk.prefix(limit - output.count) }
                }, stderr: { _ in })
        } catch let error as LibSSH2Error where !error.isConnectionLost {
            return .unavailable("it refused to run a command (\(error.reason))")
        }
        // Stopped from this side: no answers (the caller's own cancellation check says why).
        if end == .interrupted { return .digests(tool: "", Array(repeating: nil, count: paths.count)) }
        if case .timedOut(let seconds) = end { return .unavailable("it gave no complete answer within \(seconds) s") }
        let lines = String(decoding: output, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false)
        guard let first = lines.first, first.hasPrefix("ferry-sha256 ") else {
            return .unavailable("this account runs no shell commands there (an SFTP-only login?)")
        }
        let tool = first.dropFirst("ferry-sha256 ".count)
        guard tool == "sha256sum" || tool == "shasum -a 256" else {
            return .unavailable("it has neither sha256sum nor shasum")
        }
        let answers = lines.dropFirst().prefix(paths.count).map { SHA256File.isDigest($0) ? String($0) : nil }
        return .digests(
            tool: String(tool), answers + Array(repeating: nil, count: paths.count - answers.count))
    }
}
