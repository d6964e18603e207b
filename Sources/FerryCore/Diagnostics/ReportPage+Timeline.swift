import FerryBase
import Foundation

extension ReportPage {
    /// Every host's commands on one clock, from the run's start: where each command's bar goes, when
    /// each wave started, and the run's rate of transfer over time.
    ///
    /// A command placed by its own start time (`started`, in reports from this version on); in an
    /// older report, after the command before it.
    struct Timeline {
        private var byHost: [String: [Bar]] = [:]
        /// Seconds from the run's start to its end (or to the last command's end, if later).
        private(set) var length: Double = 0
        /// When each wave's first host started, with the wave's number.
        private(set) var waveStarts: [(Double, Int)] = []

        init(_ report: RunReport) {
            let origin = RunReport.time(report.started) ?? Date.distantPast
            length = Self.seconds(from: report.started, to: report.finished)
            var waves: [Int: Double] = [:]
            for host in report.hosts {
                var clock = 0.0
                var bars: [Bar] = []
                for record in host.commands {
                    let start =
                        record.started.flatMap(RunReport.time).map { max(0, $0.timeIntervalSince(origin)) } ?? clock
                    bars.append(Bar(start: start, seconds: record.durationSeconds, record: record))
                    clock = start + record.durationSeconds
                    length = max(length, clock)
                }
                if let wave = host.wave, let first = bars.first?.start {
                    waves[wave] = min(waves[wave] ?? first, first)
                }
                byHost[host.host] = bars
            }
            waveStarts = waves.sorted { $0.key < $1.key }.map { ($0.value, $0.key) }
        }

        /// The bars of `host`'s commands.
        func bars(of host: RunReport.Host) -> [Bar] { byHost[host.host] ?? [] }

        /// The run's bytes a second in `buckets` equal slices of its length, each command's bytes
        /// spread evenly over its time.
        func rates(buckets: Int) -> [Double] {
            guard length > 0 else { return [] }
            let slice = length / Double(buckets)
            var bytes = Array(repeating: 0.0, count: buckets)
            for bar in byHost.values.joined() where bar.record.bytes > 0 {
                let end = bar.start + max(bar.seconds, 0.001)
                let perSecond = Double(bar.record.bytes) / max(bar.seconds, 0.001)
                var index = min(buckets - 1, Int(bar.start / slice))
                while index < buckets, Double(index) * slice < end {
                    let overlap = min(end, Double(index + 1) * slice) - max(bar.start, Double(index) * slice)
                    bytes[index] += max(0, overlap) * perSecond
                    index += 1
                }
            }
            return bytes.map { $0 / slice }
        }

        /// Seconds between two of the report's times (0 when either does not read).
        static func seconds(from start: String, to end: String) -> Double {
            guard let start = RunReport.time(start), let end = RunReport.time(end) else { return 0 }
            return max(0, end.timeIntervalSince(start))
        }
    }
}
