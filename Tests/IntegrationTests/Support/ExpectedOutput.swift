import Foundation
import Testing

/// Compares what Ferry printed with a file in `Tests/IntegrationTests/Expected`, where the exact text
/// matters (psftp's messages, help, diagnostics).
///
/// Run-specific parts (temporary folders, ports, run folder names) are replaced by `{PLACEHOLDERS}`
/// first. With `FERRY_UPDATE_EXPECTED=1` the file is written instead: review its diff before committing.
enum ExpectedOutput {
    static let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Expected")

    /// The standard output and standard error of a run, as one text with a heading for each.
    static func text(of result: RunResult) -> String {
        "--- stdout\n\(result.stdout)--- stderr\n\(result.stderr)--- status \(result.status)\n"
    }

    /// Replaces each key of `replacing` with its value, longest first, and run folder names with {RUN}.
    static func normalise(_ text: String, replacing: [String: String]) -> String {
        var result = text
        for (value, placeholder) in replacing.sorted(by: { $0.key.count > $1.key.count }) {
            result = result.replacingOccurrences(of: value, with: placeholder)
        }
        return result.replacingOccurrences(
            of: "[0-9]{8}-[0-9]{6}-[a-z0-9]+", with: "{RUN}", options: .regularExpression)
    }

    static func check(
        _ text: String, matches name: String, replacing: [String: String] = [:],
        sourceLocation: SourceLocation = #_sourceLocation
    ) {
        let actual = normalise(text, replacing: replacing)
        let path = folder.appendingPathComponent(name).path
        if ProcessInfo.processInfo.environment["FERRY_UPDATE_EXPECTED"] == "1" {
            try? actual.write(toFile: path, atomically: true, encoding: .utf8)
            return
        }
        guard let expected = try? String(contentsOfFile: path, encoding: .utf8) else {
            Issue.record("no expected output \(path)", sourceLocation: sourceLocation)
            return
        }
        #expect(actual == expected, "\(name):\n\(firstDifference(expected, actual))", sourceLocation: sourceLocation)
    }

    /// The first line where the two texts part, with its number.
    private static func firstDifference(_ expected: String, _ actual: String) -> String {
        let wanted = expected.components(separatedBy: "\n")
        let got = actual.components(separatedBy: "\n")
        for index in 0..<max(wanted.count, got.count) {
            let left = index < wanted.count ? wanted[index] : "<end>"
            let right = index < got.count ? got[index] : "<end>"
            if left != right { return "line \(index + 1)\n  expected: \(left)\n  actual:   \(right)" }
        }
        return "no difference"
    }
}
