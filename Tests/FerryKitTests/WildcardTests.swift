import FerryBase
import Testing

@testable import FerryScript

@Suite("Wildcards and paths")
struct WildcardTests {
    @Test(arguments: [
        ("*.tar.gz", "db-2024.tar.gz", true), ("*.tar.gz", "db.tar", false), ("?.txt", "a.txt", true),
        ("?.txt", "ab.txt", false), ("[ab]*", "beta", true), ("[!ab]*", "beta", false), ("[a-c]x", "bx", true),
        ("[a-c]x", "dx", false), ("\\*", "*", true), ("\\*", "a", false), ("a*b*c", "aXXbYYc", true),
        ("a*b*c", "aXXbYY", false), ("*", "", true), ("log[0-9][0-9]", "log42", true),
    ])
    func matches(pattern: String, name: String, expected: Bool) {
        #expect(Wildcard(pattern).matches(name) == expected)
    }

    @Test func detectsAndUnescapesWildcards() {
        #expect(Wildcard.hasWildcards("*.gz"))
        #expect(!Wildcard.hasWildcards("plain.gz"))
        #expect(!Wildcard.hasWildcards("lit\\*eral"))
        #expect(Wildcard.unescape("lit\\*eral") == "lit*eral")
    }

    @Test func hiddenFilesNeedADotInThePattern() {
        #expect(!PathRules.patternMatches(Wildcard("*"), name: ".bashrc"))
        #expect(PathRules.patternMatches(Wildcard(".*"), name: ".bashrc"))
    }

    @Test func resolvesRemotePaths() {
        #expect(PathRules.resolve("a/b", in: "/home/u") == "/home/u/a/b")
        #expect(PathRules.resolve("../x", in: "/home/u") == "/home/x")
        #expect(PathRules.resolve("/etc//ssh/./", in: "/home/u") == "/etc/ssh")
        #expect(PathRules.resolve("../../../..", in: "/a") == "/")
        #expect(PathRules.lastComponent("/a/b/") == "b")
        #expect(PathRules.parent("/a/b") == "/a")
        #expect(PathRules.parent("b") == "")
        #expect(PathRules.parent("/b") == "/")
        #expect(PathRules.join("/a/", "b") == "/a/b")
    }

    @Test func patternsMayOnlyUseWildcardsInTheLastComponent() {
        #expect(PathRules.splitPattern("logs/*.gz")! == ("logs", "*.gz"))
        #expect(PathRules.splitPattern("*/x.gz") == nil)
    }
}
