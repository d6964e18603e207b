import Testing

@testable import FerryKit

@Suite("Host targets")
struct TargetParsingTests {
    @Test func parsesUserHostAndPort() {
        #expect(
            Interpreter.parseTarget("root@db1", defaultUser: "me", defaultPort: 22)
                == ConnectionTarget(host: "db1", port: 22, user: "root"))
        #expect(
            Interpreter.parseTarget("db1:2222", defaultUser: "me", defaultPort: 22)
                == ConnectionTarget(host: "db1", port: 2222, user: "me"))
        #expect(
            Interpreter.parseTarget("u@[::1]:2200", defaultUser: "me", defaultPort: 22)
                == ConnectionTarget(host: "::1", port: 2200, user: "u"))
        #expect(
            Interpreter.parseTarget("::1", defaultUser: "me", defaultPort: 22)
                == ConnectionTarget(host: "::1", port: 22, user: "me"))
        #expect(Interpreter.parseTarget("@db1", defaultUser: "me", defaultPort: 22) == nil)
        #expect(Interpreter.parseTarget("db1:0", defaultUser: "me", defaultPort: 22) == nil)
        #expect(Interpreter.parseTarget("db1:http", defaultUser: "me", defaultPort: 22) == nil)
    }
}
