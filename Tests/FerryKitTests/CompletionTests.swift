import Testing

@testable import FerryCore

@Suite("Tab completion")
struct CompletionTests {
    /// A remote side with a few names, a local side with others, and two saved sessions.
    let engine = CompletionEngine(
        remote: { directory in
            switch directory {
            case "":
                [
                    CompletionEntry(name: "my report.txt", isDirectory: false),
                    CompletionEntry(name: "my dir", isDirectory: true),
                    CompletionEntry(name: "backup-2024.tar.gz", isDirectory: false),
                    CompletionEntry(name: "backup-2025.tar.gz", isDirectory: false),
                    CompletionEntry(name: "logs", isDirectory: true),
                    CompletionEntry(name: ".profile", isDirectory: false),
                    CompletionEntry(name: "odd*name", isDirectory: false),
                    CompletionEntry(name: "say \"hi\"", isDirectory: false),
                ]
            case "logs/": [CompletionEntry(name: "syslog", isDirectory: false)]
            case "my dir/": [CompletionEntry(name: "inner.txt", isDirectory: false)]
            default: nil
            }
        },
        local: { directory in
            directory.isEmpty
                ? [
                    CompletionEntry(name: "upload.bin", isDirectory: false),
                    CompletionEntry(name: "stage", isDirectory: true),
                ] : nil
        },
        sessions: { ["db1", "db2-replica", "web1"] })

    func edit(_ line: String) -> String {
        let completion = engine.complete(line)
        return String(String.UnicodeScalarView(line.unicodeScalars.dropLast(completion.replacing))) + completion.text
    }

    @Test func commandNames() {
        #expect(edit("mg") == "mget ")
        #expect(edit("  -mg") == "  -mget ")
        #expect(engine.complete("m").choices == ["mget", "mirror", "mkdir", "mput", "mv"])
        #expect(engine.complete("zz") == .none)
        #expect(edit("help ch") == "help chmod ")
    }

    @Test func remoteNameWithASpaceIsQuoted() {
        #expect(edit("get my r") == "get my r")  // two words: nothing named "r"
        #expect(edit("get \"my r") == "get \"my report.txt\" ")
        #expect(edit("get my") == "get \"my ")
        #expect(engine.complete("get \"my ").choices == ["my dir/", "my report.txt"])
        #expect(edit("get \"my d") == "get \"my dir/")
        #expect(edit("get \"my dir/") == "get \"my dir/inner.txt\" ")
        #expect(edit("get sa") == "get \"say \"\"hi\"\"\" ")
    }

    @Test func sharedPrefixThenChoices() {
        #expect(edit("get ba") == "get backup-202")
        #expect(engine.complete("get backup-202").choices == ["backup-2024.tar.gz", "backup-2025.tar.gz"])
        #expect(edit("cd lo") == "cd logs/")
        #expect(edit("get logs/s") == "get logs/syslog ")
    }

    @Test func argumentsKnowWhichSideTheyNameAndOptionsAreSkipped() {
        #expect(edit("get -p backup-2024.tar.gz up") == "get -p backup-2024.tar.gz upload.bin ")
        #expect(edit("put up") == "put upload.bin ")
        #expect(edit("put -r st") == "put -r stage/")
        #expect(edit("lcd ") == "lcd stage/")
        #expect(edit("chmod 644 lo") == "chmod 644 logs/")
        #expect(engine.complete("chmod 6") == .none)
        #expect(edit("!cat up") == "!cat upload.bin ")
        #expect(engine.complete("get -") == .none)
    }

    @Test func directoriesOnlyWhereOnlyDirectoriesMakeSense() {
        #expect(engine.complete("cd ").choices == ["logs/", "my dir/"])
        #expect(edit("cd m") == "cd \"my dir/")
    }

    @Test func hiddenNamesNeedADot() {
        #expect(edit("get .p") == "get .profile ")
        #expect(!engine.complete("get ").choices.contains(".profile"))
    }

    @Test func wildcardCharactersAreEscapedWhereTheCommandExpandsThem() {
        #expect(edit("rm od") == "rm odd\\*name ")
        #expect(edit("get od") == "get odd*name ")
        #expect(engine.complete("mget *.gz") == .none)
    }

    @Test func sessionNamesForOpen() {
        #expect(edit("open we") == "open web1 ")
        #expect(edit("open db") == "open db")
        #expect(engine.complete("open db").choices == ["db1", "db2-replica"])
    }

    @Test func unreadableDirectoryOffersNothing() {
        #expect(engine.complete("get nowhere/x") == .none)
    }
}
