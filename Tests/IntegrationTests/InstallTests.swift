import Foundation
import Testing

/// `make install` and `make uninstall` into a scratch DESTDIR: the binary that runs, completions a
/// shell loads, the examples, and nothing left afterwards.
@Suite("Install", .tags(.integration))
struct InstallTests {
    /// The repository's root, from this file's place in it.
    let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().path

    @Test func installPutsEverythingInPlaceAndUninstallTakesItAllAway() throws {
        let destination = TestSSHServer.scratch("install")
        let make = "make -s -C '\(root)' FERRY_BINARY='\(FerryBinary.path)' DESTDIR='\(destination)' PREFIX=/usr"
        let installed = Shell.sh("\(make) install-files")
        #expect(installed.status == 0, "\(installed.stdout)\(installed.stderr)")
        let prefix = destination + "/usr"
        let version = Shell.run(prefix + "/bin/ferry", ["-V"])
        #expect(version.stdout.hasPrefix("ferry "), "\(version.stdout)\(version.stderr)")
        let bash = Shell.sh(
            "bash -c \"source '\(prefix)/share/bash-completion/completions/ferry' && complete -p ferry\"")
        #expect(bash.stdout.contains("-F _ferry ferry"), "\(bash.stdout)\(bash.stderr)")
        for file in ["share/zsh/site-functions/_ferry", "share/fish/vendor_completions.d/ferry.fish"] {
            let text = (try? String(contentsOfFile: prefix + "/" + file, encoding: .utf8)) ?? ""
            #expect(text.contains("-load"), "\(file)")
        }
        #expect(FileManager.default.fileExists(atPath: prefix + "/share/doc/ferry/examples/pull.scr"))

        // The manuals render without a warning and name every option and every script command.
        let pages = [prefix + "/share/man/man1/ferry.1", prefix + "/share/man/man5/ferry-script.5"]
        for page in pages {
            let rendered = Shell.sh("groff -man -ww -z '\(page)'")
            #expect(rendered.status == 0 && rendered.stderr.isEmpty, "\(page): \(rendered.stderr)")
        }
        let manual = ((try? String(contentsOfFile: pages[0], encoding: .utf8)) ?? "").replacingOccurrences(
            of: "\\-", with: "-")
        let help = FerryBinary.run(["-h"]).stdout
        // The first word of each option line of the help, such as `-batch` or `--hosts`.
        let options = Set(
            help.split(separator: "\n").filter { $0.hasPrefix("  -") }
                .compactMap { $0.split(separator: " ").first.map { String($0).trimmingCharacters(in: [","]) } })
        #expect(options.count > 30, "\(options)")
        for option in options { #expect(manual.contains("fB\(option)"), "\(option) is not in ferry(1)") }
        let script = ((try? String(contentsOfFile: pages[1], encoding: .utf8)) ?? "").replacingOccurrences(
            of: "\\-", with: "-")
        for command in ["get", "mget", "reput", "chmod", "run", "ping-mtu", "collect", "bye"] {
            #expect(script.contains("fB\(command)"), "\(command) is not in ferry-script(5)")
        }

        let removed = Shell.sh("\(make) uninstall")
        #expect(removed.status == 0, "\(removed.stderr)")
        let left = Shell.sh("find '\(destination)' -type f").stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(left.isEmpty, "left behind: \(left)")
    }

    /// Tab in bash, through the completion script the binary generates: saved sessions (and
    /// `~/.ssh/config` hosts) after `-load` and for a host, the `--hosts` file's hosts and tags, files
    /// after `-b`.
    @Test func bashCompletionOffersSessionsHostsAndTags() throws {
        let home = TestSSHServer.scratch("completion", folders: [".ssh"])
        let sessions = home + "/.config/ferry/sessions"
        try FileManager.default.createDirectory(atPath: sessions, withIntermediateDirectories: true)
        try "host: a\n".write(toFile: sessions + "/web-prod.yaml", atomically: true, encoding: .utf8)
        try "Host jumpbox db-*\n  User x\n".write(toFile: home + "/.ssh/config", atomically: true, encoding: .utf8)
        try "web1.example.com  prod web\n# a comment\nops@db2:2222 prod db\n".write(
            toFile: home + "/hosts", atomically: true, encoding: .utf8)
        let script = home + "/completion.bash"
        try FerryBinary.run(["--generate-completion-script", "bash"]).stdout.write(
            toFile: script, atomically: true, encoding: .utf8)
        // Each line: the words typed, the last one being completed; prints what bash would offer.
        let harness = """
            source '\(script)'
            try() {
                COMP_WORDS=("$@"); COMP_CWORD=$((${#COMP_WORDS[@]} - 1)); COMP_LINE="$*"; COMP_POINT=${#COMP_LINE}
                COMPREPLY=(); _ferry "$1" "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD - 1]}"
                echo "${COMPREPLY[*]}"
            }
            try '\(FerryBinary.path)' -load ''
            try '\(FerryBinary.path)' --hosts '\(home)/hosts' ''
            try '\(FerryBinary.path)' --hosts '\(home)/hosts' --group ''
            try '\(FerryBinary.path)' -b '\(home)/ho'
            """
        let result = Shell.run(
            "/bin/bash", ["-c", harness], environment: ["HOME": home, "PATH": "/usr/bin:/bin"], directory: home)
        let lines = result.stdout.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        #expect(lines.count >= 4, "\(result.stdout)\(result.stderr)")
        guard lines.count >= 4 else { return }
        #expect(lines[0] == "web-prod jumpbox", "-load: \(lines[0])")
        #expect(lines[1] == "web-prod jumpbox web1.example.com ops@db2:2222", "host: \(lines[1])")
        #expect(lines[2] == "prod web db", "--group: \(lines[2])")
        #expect(lines[3] == "\(home)/hosts", "-b: \(lines[3])")
    }
}
