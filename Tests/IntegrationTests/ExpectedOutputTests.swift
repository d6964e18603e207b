import Foundation
import Testing

/// Output whose exact text users and their scripts rely on, checked against `Expected/`.
@Suite("Exact output", .tags(.integration))
struct ExpectedOutputTests {
    let server = TestSSHServer.shared

    /// Every file command once with `-bc -be`: psftp's messages, Ferry's echo, warnings and the report line.
    @Test func transcriptOfAScript() throws {
        let remote = TestSSHServer.scratch("transcript-remote")
        let local = TestSSHServer.scratch("transcript-local")
        try "alpha\n".write(toFile: local + "/a.txt", atomically: true, encoding: .utf8)
        try "beta\n".write(toFile: local + "/b.log", atomically: true, encoding: .utf8)
        let script = """
            # Every kind of file command once.
            cd \(remote)
            lcd \(local)
            pwd
            lpwd
            mkdir sub
            put a.txt sub/a.txt
            mput *.log
            ls -1
            cd sub
            get a.txt copy.txt
            mv a.txt renamed.txt
            chmod 600 renamed.txt
            ls -1
            rm renamed.txt
            cd ..
            rmdir sub
            -rm missing.txt
            mget *.nothing
            get missing.txt
            run echo hello; echo oops >&2; exit 3
            !echo local
            bye

            """
        let result = server.batch(script, in: local, extra: ["-bc", "-be"])
        ExpectedOutput.check(
            ExpectedOutput.text(of: result), matches: "transcript.txt",
            replacing: [remote: "{REMOTE}", local: "{LOCAL}"])
        #expect(try String(contentsOfFile: local + "/copy.txt", encoding: .utf8) == "alpha\n")
    }

    /// Every mistake in a script, compiler style, before anything connects.
    @Test func scriptErrors() throws {
        let folder = TestSSHServer.scratch("script-errors")
        let script = folder + "/pull.scr"
        try """
        cd /backup
        mgte *.tar.gz
        get
        chmod 999 db.conf
        get "unterminated
        put -z a
        run --timeout soon uptime
        ping-mtu
        lcd
        frobnicate

        """.write(toFile: script, atomically: true, encoding: .utf8)
        let result = FerryBinary.run(["-batch", "-b", script, "root@127.0.0.1"], directory: folder)
        ExpectedOutput.check(
            ExpectedOutput.text(of: result), matches: "script-errors.txt", replacing: [folder: "{DIR}"])
    }

    /// `help` lists every command with its aliases; `help CMD` gives the whole usage.
    @Test func help() throws {
        let folder = TestSSHServer.scratch("help")
        try "help\nhelp mget\nhelp run\nhelp nosuch\n".write(
            toFile: folder + "/help.scr", atomically: true, encoding: .utf8)
        let result = FerryBinary.run(["-b", folder + "/help.scr", "-be"], directory: folder)
        ExpectedOutput.check(ExpectedOutput.text(of: result), matches: "help.txt")
    }
}
