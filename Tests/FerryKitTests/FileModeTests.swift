import Testing

@testable import FerryScript

@Suite("chmod modes")
struct FileModeTests {
    @Test(arguments: [
        ("644", 0o600, 0o644), ("u+x", 0o644, 0o744), ("go-w", 0o666, 0o644), ("a=r", 0o777, 0o444),
        ("u+x,go-w", 0o644, 0o744), ("+x", 0o644, 0o755), ("o=", 0o777, 0o770), ("u+s", 0o755, 0o4755),
        ("g+s", 0o755, 0o2755), ("+t", 0o777, 0o1777),
    ])
    func applies(text: String, before: UInt32, after: UInt32) throws {
        let mode = try #require(FileMode(text))
        #expect(mode.applied(to: before) == after)
    }

    @Test(arguments: ["999", "u+q", "x", "", "u", "77777"])
    func rejects(text: String) {
        #expect(FileMode(text) == nil)
    }
}
