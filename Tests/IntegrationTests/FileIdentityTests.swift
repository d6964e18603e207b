import Foundation
import Testing

/// Files keep who they are, as psftp leaves them: modes of new and overwritten files, owners, links
/// (symbolic and hard) and read-only files, on both sides. Each case runs the same script through
/// PuTTY's psftp and through Ferry, on identical trees, and compares what each leaves.
@Suite("Files keep who they are", .tags(.integration), .serialized)
struct FileIdentityTests {
    let server = TestSSHServer.shared

    /// Two identical local folders, `ferry` and `psftp`, made by `prepare`, inside a fresh scratch folder.
    func twins(_ name: String, prepare: (String) -> Void) -> (ferry: String, psftp: String) {
        let root = TestSSHServer.scratch(name)
        let pair = (root + "/ferry", root + "/psftp")
        for folder in [pair.0, pair.1] {
            try? FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
            prepare(folder)
        }
        return pair
    }

    func mode(_ path: String) -> String { Shell.sh("stat -c %a '\(path)'").stdout.trimmingCharacters(in: .newlines) }
    func inode(_ path: String) -> String { Shell.sh("stat -c %i '\(path)'").stdout.trimmingCharacters(in: .newlines) }

    @Test(arguments: ["022", "077"])
    func downloadsKeepModesOwnersAndLinksAsPsftpDoes(umask: String) throws {
        let remote = TestSSHServer.scratch("identity-get-remote")
        Shell.sh(
            """
            cd '\(remote)' && echo secret > key && chmod 600 key && printf '#!/bin/sh\\n' > run.sh && chmod 755 run.sh
            echo plain > plain && chmod 644 plain && echo group > group && chmod 640 group
            """)
        let local = twins("identity-get") { folder in
            Shell.sh(
                """
                cd '\(folder)' && echo old > mine && chmod 600 mine
                echo old > theirs && chown nobody:nogroup theirs && chmod 666 theirs
                echo target > real && ln -s real link
                echo old > h1 && ln h1 h2
                """)
        }
        let script = """
            cd \(remote)
            get key
            get run.sh
            get group
            get plain mine
            get plain theirs
            get plain link
            get plain h1
            """
        let ours = server.batch(script, in: local.ferry, umask: umask)
        let theirs = PSFTP.batch(script, server: server, in: local.psftp, umask: umask)
        #expect(ours.status == 0, "\(ours.stderr)")
        #expect(theirs.status == 0, "\(theirs.stdout)\(theirs.stderr)")
        #expect(identityListing(local.ferry) == identityListing(local.psftp))
        // Spelled out: a new file gets the remote bits less the umask; an existing one keeps its own.
        #expect(mode(local.ferry + "/key") == "600")
        #expect(mode(local.ferry + "/run.sh") == (umask == "022" ? "755" : "700"))
        #expect(mode(local.ferry + "/mine") == "600")
        #expect(Shell.sh("stat -c %U '\(local.ferry)/theirs'").stdout == "nobody\n")
        #expect(LocalLink.exists(local.ferry + "/link"))
        #expect(try String(contentsOfFile: local.ferry + "/h2", encoding: .utf8) == "plain\n")
        #expect(try FileManager.default.contentsOfDirectory(atPath: local.ferry).filter { $0.hasPrefix(".") } == [])
    }

    @Test func aPrivateFileIsNeverMoreReadableWhileItArrives() throws {
        let remote = TestSSHServer.scratch("identity-part-remote")
        writeRandomFile(remote + "/secret", bytes: 24 << 20)
        Shell.sh("chmod 600 '\(remote)/secret'")
        let outer = TestSSHServer.scratch("identity-part-local")
        let local = outer + "/here"
        try FileManager.default.createDirectory(atPath: local, withIntermediateDirectories: true)
        // Watch the folder while the download runs: every file in it must be 0600 at every moment.
        let watcher = Shell.sh(
            """
            cd '\(local)'
            ( while [ ! -e ../done ]; do find . -type f ! -perm 600 -printf '%m %p\\n'; sleep 0.01; done \\
                > ../seen 2> /dev/null ) < /dev/null &
            echo 'get \(remote)/secret secret' | '\(FerryBinary.path)' -batch -P \(server.port) \\
                -i '\(server.ed25519Key)' --known-hosts '\(server.knownHosts)' -b /dev/stdin root@127.0.0.1 > /dev/null 2>&1
            echo status=$?
            touch ../done; wait
            sort -u ../seen
            """)
        #expect(watcher.stdout.hasPrefix("status=0\n"), "\(watcher.stdout)\(watcher.stderr)")
        #expect(watcher.stdout == "status=0\n", "seen: \(watcher.stdout)")
        #expect(mode(local + "/secret") == "600")
    }

    @Test func getRecursiveAgainMergesIntoTheFolderAsPsftpDoes() throws {
        let remote = TestSSHServer.scratch("identity-getr-remote")
        Shell.sh("mkdir -p '\(remote)/tree/sub' && echo one > '\(remote)/tree/a' && echo two > '\(remote)/tree/sub/b'")
        let local = twins("identity-getr") { _ in }
        let script = "cd \(remote)\nget -r tree\n"
        for _ in 0..<2 {
            #expect(server.batch(script, in: local.ferry, umask: "022").status == 0)
            PSFTP.batch(script, server: server, in: local.psftp)
        }
        Shell.sh("echo changed > '\(remote)/tree/sub/b' && echo new > '\(remote)/tree/c'")
        let again = server.batch(script, in: local.ferry, umask: "022")
        #expect(again.status == 0, "\(again.stderr)")
        PSFTP.batch(script, server: server, in: local.psftp)
        #expect(!FileManager.default.fileExists(atPath: local.ferry + "/tree/tree"))
        #expect(try String(contentsOfFile: local.ferry + "/tree/sub/b", encoding: .utf8) == "changed\n")
        #expect(identityListing(local.ferry) == identityListing(local.psftp))
        // collect -r and a {host} folder merge too.
        let collected = server.batch(
            "collect -r \(remote)/tree\ncollect -r \(remote)/tree\nget -r \(remote)/tree {host}/tree\nget -r \(remote)/tree {host}/tree\n",
            in: local.ferry, umask: "022", extra: ["--diagnostics", local.ferry + "/diag"])
        #expect(collected.status == 0, "\(collected.stderr)")
        let nested = Shell.sh("find '\(local.ferry)' -path '*/tree/tree*'").stdout
        #expect(nested.isEmpty, "\(nested)")
    }

    @Test func putOverWhatIsThereAsRootMatchesPsftp() throws {
        let remote = twins("identity-put-remote") { folder in
            Shell.sh(
                """
                cd '\(folder)' && echo old > plain && chmod 640 plain
                echo target > real && ln -s real link
                echo ro > ro && chmod 444 ro
                echo theirs > theirs && chown nobody:nogroup theirs && chmod 666 theirs
                echo old > h1 && ln h1 h2
                """)
        }
        let local = TestSSHServer.scratch("identity-put-local")
        Shell.sh("cd '\(local)' && echo new > new && chmod 600 new")
        func script(_ folder: String) -> String {
            ["plain", "link", "ro", "theirs", "h1", "fresh"].map { "put new \(folder)/\($0)" }.joined(separator: "\n")
        }
        let plainBefore = inode(remote.ferry + "/plain")
        let realBefore = inode(remote.ferry + "/real")
        let ours = server.batch(script(remote.ferry), in: local, umask: "022")
        PSFTP.batch(script(remote.psftp), server: server, in: local)
        #expect(ours.status == 0, "\(ours.stderr)")
        #expect(identityListing(remote.ferry) == identityListing(remote.psftp))
        // The plain file was still replaced atomically (a new inode, with the old file's mode); the
        // link's file was written in place.
        #expect(inode(remote.ferry + "/plain") != plainBefore)
        #expect(mode(remote.ferry + "/plain") == "640")
        #expect(inode(remote.ferry + "/real") == realBefore)
        #expect(try String(contentsOfFile: remote.ferry + "/real", encoding: .utf8) == "new\n")
        #expect(try String(contentsOfFile: remote.ferry + "/h2", encoding: .utf8) == "new\n")
        #expect(mode(remote.ferry + "/fresh") == "600")
    }

    /// As an ordinary user: a read-only file of its own and another user's file are refused with
    /// "permission denied" (psftp's result), another user's writable file is written in place.
    @Test(.enabled(if: getuid() == 0, "needs the password user"))
    func putAsAUserRefusesWhatItMayNotWrite() throws {
        let user = TestSSHServer.passwordUser
        let remote = twins("identity-put-user") { folder in
            Shell.sh(
                """
                chmod 755 "$(dirname '\(folder)')"; chown \(user) '\(folder)' && cd '\(folder)'
                echo ro > ro && chown \(user) ro && chmod 444 ro
                echo locked > locked && chown nobody locked && chmod 644 locked
                echo shared > shared && chown nobody shared && chmod 666 shared
                echo mine > mine && chown \(user) mine && chmod 600 mine
                """)
        }
        let local = TestSSHServer.scratch("identity-put-user-local")
        Shell.sh("cd '\(local)' && echo new > new && chmod 644 new && chmod 755 '\(local)'")
        func script(_ folder: String) -> String {
            ["ro", "locked", "shared", "mine"].map { "put new \(folder)/\($0)" }.joined(separator: "\n")
        }
        let ours = server.batch(
            script(remote.ferry), in: local, umask: "022", user: user, password: TestSSHServer.password)
        let theirs = PSFTP.batch(
            script(remote.psftp), server: server, in: local, user: user, password: TestSSHServer.password)
        #expect(ours.status == 7, "\(ours.stderr)")
        #expect(theirs.stdout.contains("permission denied"), "\(theirs.stdout)")
        #expect(ours.stderr.contains("put: \(remote.ferry)/ro: open for write: permission denied"), "\(ours.stderr)")
        #expect(ours.stderr.contains("put: \(remote.ferry)/locked: open for write: permission denied"))
        #expect(identityListing(remote.ferry) == identityListing(remote.psftp))
        #expect(try String(contentsOfFile: remote.ferry + "/shared", encoding: .utf8) == "new\n")
        #expect(mode(remote.ferry + "/mine") == "600")
    }

    @Test func mputOfNothingFailsAsPsftpsDoesAndMgetOnlyWarns() {
        let local = TestSSHServer.scratch("identity-mput")
        let put = server.batch("mput nomatch*\n", in: local, umask: "022")
        #expect(put.status == 7, "\(put.stderr)")
        #expect(put.stderr.contains("mput: local: unable to open nomatch*"))
        #expect(PSFTP.batch("mput nomatch*\n", server: server, in: local).stdout.contains("unable to open nomatch*"))
        let get = server.batch("mget \(local)/nomatch*\n", in: local, umask: "022")
        #expect(get.status == 0, "\(get.stderr)")
        #expect(get.stderr.contains("nothing matched"))
    }

    @Test func openWhileConnectedAndAnUnknownOptionSayOneThing() {
        let local = TestSSHServer.scratch("identity-open")
        let open = server.batch("pwd\nopen 127.0.0.1\n", in: local, umask: "022")
        #expect(open.status == 6, "\(open.stderr)")
        #expect(open.stderr.contains("open: already connected"))
        let unknown = FerryBinary.run(["-bogus", "host"])
        #expect(unknown.status == 2)
        #expect(unknown.stderr.hasPrefix("Error: Unknown option '-bogus'\n"), "\(unknown.stderr)")
        #expect(!unknown.stderr.contains("   or: "))
        let typo = FerryBinary.run(["-batchx", "host"])
        #expect(typo.status == 2)
        #expect(typo.stderr.hasPrefix("Error: Unknown option '-batchx'. Did you mean '-batch'?\n"), "\(typo.stderr)")
    }
}
