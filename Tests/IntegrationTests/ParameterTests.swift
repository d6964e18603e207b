import Foundation
import Testing

/// `-D NAME=VALUE`, the words after `--` and `${env:NAME}` in a script run against the real sshd, and
/// a name without a value stopping the script before anything connects.
@Suite("Script parameters", .tags(.integration))
struct ParameterTests {
    let server = TestSSHServer.shared

    @Test func definitionsArgumentsAndTheEnvironmentReachEveryKindOfWord() throws {
        let folder = TestSSHServer.scratch("parameters", folders: ["in"])
        let remote = folder + "/remote dir"
        try FileManager.default.createDirectory(atPath: remote, withIntermediateDirectories: true)
        try "one\n".write(toFile: remote + "/release-2.4.txt", atomically: true, encoding: .utf8)
        let script = folder + "/params.scr"
        try """
        cd "$1"
        lcd ${env:FERRY_TEST_INBOX}
        ${VERB} release-${RELEASE}.txt "copy of $2.txt"
        mkdir ${RELEASE}$$
        -rm nothing-${RELEASE}
        run echo "${1}" '$1' $$ | sed 's/ [0-9]*$/ PID/'
        !printf '%s' "${RELEASE} $HOME" > local-shell.txt

        """.write(toFile: script, atomically: true, encoding: .utf8)
        let result = FerryBinary.run(
            ["-b", script, "-D", "RELEASE=2.4", "-D", "VERB=get", "--diagnostics", folder + "/diag"]
                + server.options() + ["--", remote, "blue green"],
            directory: folder, environment: ["FERRY_TEST_INBOX": folder + "/in"])
        #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
        #expect(FileManager.default.contents(atPath: folder + "/in/copy of blue green.txt") == Data("one\n".utf8))
        #expect(FileManager.default.fileExists(atPath: remote + "/2.4$"))
        // In the shell line only ${1} was replaced; '$1' and $$ reached the remote shell.
        #expect(result.stdout.contains("\(remote) $1 PID\n"), "\(result.stdout)")
        let local = try String(contentsOfFile: folder + "/in/local-shell.txt", encoding: .utf8)
        #expect(local.hasPrefix("2.4 /"), "\(local)")
    }

    @Test func aNameWithoutAValueIsAScriptErrorBeforeConnecting() throws {
        let folder = TestSSHServer.scratch("parameters-missing")
        let script = folder + "/missing.scr"
        try "cd ${TARGET}\nget $2\nlcd ${env:FERRY_TEST_SURELY_UNSET}\n".write(
            toFile: script, atomically: true, encoding: .utf8)
        // A closed port: had it tried to connect, the run would end with a connection failure instead.
        let result = FerryBinary.run(
            ["-batch", "-b", script, "-P", "1", "127.0.0.1", "--", "only-one"], directory: folder)
        #expect(result.status == 2, "\(result.stderr)")
        #expect(
            result.stderr.contains(
                "missing.scr:1:4: error: parameter TARGET is not defined (give it with -D TARGET=VALUE"),
            "\(result.stderr)")
        #expect(result.stderr.contains("missing.scr:2:5: error: argument $2 is not set (only 1 given after --)"))
        #expect(
            result.stderr.contains("missing.scr:3:5: error: environment variable FERRY_TEST_SURELY_UNSET is not set"))
        #expect(result.stderr.contains("3 errors in \(script); nothing was run"))

        let bad = FerryBinary.run(["-b", script, "-D", "9LIVES=x", "127.0.0.1"], directory: folder)
        #expect(bad.status == 2 && bad.stderr.contains("-D 9LIVES=x: give NAME=VALUE"), "\(bad.stderr)")
        let noScript = FerryBinary.run(["127.0.0.1", "--", "a"], directory: folder)
        #expect(noScript.status != 0 && noScript.stderr.contains("give the script with -b FILE"), "\(noScript.stderr)")
    }
}
