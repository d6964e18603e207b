import Foundation
import Testing

@testable import FerryCore
@testable import FerryTransfer

/// Host statuses and reasons as reports spell them, including what earlier reports wrote.
@Suite("Report statuses")
struct RunReportStatusTests {
    @Test func anEarlierReportsNotStartedReadsAsNotRun() throws {
        let json = #"{"host": "web1", "status": "not-started", "reason": "not-started", "commands": []}"#
        let host = try JSONDecoder().decode(RunReport.Host.self, from: Data(json.utf8))
        #expect(host.status == .notRun)
        #expect(host.reason == .notRun)
        let written = String(decoding: try JSONEncoder().encode(host), as: UTF8.self)
        #expect(written.contains(#""status":"not-run""#) && written.contains(#""reason":"not-run""#), "\(written)")
    }

    @Test func heldAndTheBudgetAreSpelledAsTheReportSaysThem() throws {
        #expect(HostStatus.held.rawValue == "held")
        #expect(FailureReason.failureBudget.rawValue == "failure-budget")
        #expect(throws: DecodingError.self) {
            try JSONDecoder().decode([HostStatus].self, from: Data(#"["gone"]"#.utf8))
        }
    }
}
