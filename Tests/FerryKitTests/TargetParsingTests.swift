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
}
