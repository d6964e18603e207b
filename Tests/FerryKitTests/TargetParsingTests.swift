import Testing

@testable import FerryBase

@Suite("Host targets")
struct TargetParsingTests {
    @Test func parsesUserHostAndPort() {
        #expect(
            ConnectionTarget(parsing: "root@db1", defaultUser: "me", defaultPort: 22)
                == ConnectionTarget(host: "db1", port: 22, user: "root"))
        #expect(
            ConnectionTarget(parsing: "db1:2222", defaultUser: "me", defaultPort: 22)
                == ConnectionTarget(host: "db1", port: 2222, user: "me"))
        #expect(
            ConnectionTarget(parsing: "u@[::1]:2200", defaultUser: "me", defaultPort: 22)
                == ConnectionTarget(host: "::1", port: 2200, user: "u"))
        #expect(
            ConnectionTarget(parsing: "::1", defaultUser: "me", defaultPort: 22)
                == ConnectionTarget(host: "::1", port: 22, user: "me"))
        #expect(ConnectionTarget(parsing: "@db1", defaultUser: "me", defaultPort: 22) == nil)
        #expect(ConnectionTarget(parsing: "db1:0", defaultUser: "me", defaultPort: 22) == nil)
        #expect(ConnectionTarget(parsing: "db1:http", defaultUser: "me", defaultPort: 22) == nil)
    }

    @Test func hostNamesFollowOneRule() throws {
        for good in ["web1", "db-2.example.com", "198.51.100.7", "::1", "fe80::1", "host_x", "[::1]", "[2001:db8::7]"] {
            #expect(TargetName.isValidHost(good), "\(good)")
        }
        #expect(try TargetName.host("[::1]") == "::1")
        let bad: [(String, String)] = [
            ("web1!", "it contains '!'"), ("", "it is empty"), ("-oProxyCommand=x", "it starts with '-'"),
            ("a/b", "it contains '/'"), ("two words", "it contains white space"),
            ("x;touch${IFS}PWNED", "it contains ';'"), ("a$(id)", "it contains '$'"), ("a`id`", "it contains '`'"),
            ("h\nx", "it contains white space"), ("h\u{7}", "it contains a control character"),
            ("bücher.de", "it contains 'ü', which is not ASCII"), ("[::1;id]", "it is not an IPv6 address"),
            ("db1:x:y", "it is not an IPv6 address"), ("[]", "it is empty"),
            (String(repeating: "a", count: 256), "it is longer than 255 bytes"), ("a|b", "it contains '|'"),
            ("a&b", "it contains '&'"), ("a>b", "it contains '>'"), ("a'b", "it contains '''"),
            ("a\"b", "it contains '\"'"), ("a\\b", "it contains '\\'"), ("a%b", "it contains '%'"),
        ]
        for (name, reason) in bad {
            #expect(throws: TargetNameError(name: name, what: "a usable host name", reason: reason)) {
                try TargetName.host(name)
            }
        }
    }

    @Test func userNamesFollowTheSameRuleWithoutColonsOrBrackets() {
        for good in ["root", "deploy-2", "svc_backup", "first.last"] {
            #expect(TargetName.isValidUser(good), "\(good)")
        }
        for bad in ["", "-l", "a b", "u;id", "u:x", "[u]", "u$(id)", "u\r", "u@h", "ü"] {
            #expect(!TargetName.isValidUser(bad), "\(bad)")
        }
    }

    @Test func parsingChecksBothNamesAndSaysWhy() {
        #expect(throws: TargetNameError(name: "a;b", what: "a usable user name", reason: "it contains ';'")) {
            try ConnectionTarget.parse("a;b@db1", defaultUser: "me", defaultPort: 22)
        }
        #expect(
            throws: TargetNameError(
                name: "db1:0", what: "host[:port]", reason: "the port is not a number from 1 to 65535")
        ) {
            try ConnectionTarget.parse("db1:0", defaultUser: "me", defaultPort: 22)
        }
        // The default user is checked too: a login name from the environment is no safer than a typed one.
        #expect(ConnectionTarget(parsing: "db1", defaultUser: "me;id", defaultPort: 22) == nil)
        #expect(ConnectionTarget(parsing: "[::1];id", defaultUser: "me", defaultPort: 22) == nil)
    }
}
