import FerryTransport
import Foundation

/// One slice of a run's hosts (`--shard K/N`): the K-th of N, from 1, as AWX slices a job.
///
/// The split is deterministic and needs no coordination: the hosts, de-duplicated and sorted by name,
/// go to the slices in turn, so slice K has the hosts at positions K-1, K-1+N, K-1+2N, … Every shard
/// of a run computes the same split from the same inventory.
public struct Shard: Sendable, Equatable {
    /// The slice, from 1, and the number of slices.
    public var index: Int
    public var count: Int
    /// Where the numbers came from, for `--shard auto`: `SLURM_ARRAY_TASK_ID=3, …`; nil when given.
    public var source: String?

    /// A shard of `count` slices; nil unless 1 ≤ `index` ≤ `count`.
    public init?(index: Int, count: Int, source: String? = nil) {
        guard count >= 1, (1...count).contains(index) else { return nil }
        self.index = index
        self.count = count
        self.source = source
    }

    /// Reads `K/N`; nil for anything else.
    public init?(_ text: String) {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, let index = Self.number(parts[0]), let count = Self.number(parts[1]) else { return nil }
        self.init(index: index, count: count)
    }

    private static func number(_ text: Substring) -> Int? {
        guard !text.isEmpty, text.count <= 6, text.allSatisfy({ $0.isASCII && $0.isNumber }) else { return nil }
        return Int(text)
    }

    /// `K/N`.
    public var name: String { "\(index)/\(count)" }

    /// This slice of `names` (already sorted and de-duplicated): the positions it takes, in order.
    public func positions(among total: Int) -> StrideTo<Int> { stride(from: index - 1, to: total, by: count) }

    /// The SHA-256 of an inventory, sorted names one a line: shards of one run agree on it.
    public static func digest(of sortedNames: [String]) -> String {
        SHA256.hex(Data(sortedNames.map { $0 + "\n" }.joined().utf8))
    }
}

extension Shard {
    /// Why `--shard auto` could not tell which shard this is.
    public struct AutoError: Error, CustomStringConvertible {
        public var description: String
    }

    /// The shard the scheduler running this process says it is: a SLURM job array task, a Kubernetes
    /// Indexed Job's pod or a Nomad allocation (the last two with `FERRY_SHARD_COUNT`, since those
    /// engines give no count). A missing or inconsistent variable is an error naming it: never a
    /// silent run of every host.
    public static func auto(environment: [String: String]) throws(AutoError) -> Shard {
        if environment["SLURM_ARRAY_TASK_ID"] != nil { return try slurm(environment) }
        for variable in ["JOB_COMPLETION_INDEX", "NOMAD_ALLOC_INDEX"] where environment[variable] != nil {
            return try indexed(environment, variable: variable)
        }
        throw AutoError(
            description: "--shard auto: none of SLURM_ARRAY_TASK_ID (SLURM job arrays), JOB_COMPLETION_INDEX"
                + " (Kubernetes Indexed Jobs) or NOMAD_ALLOC_INDEX (Nomad) is set; give --shard K/N")
    }

    private static func integer(_ environment: [String: String], _ name: String) throws(AutoError) -> Int {
        guard let text = environment[name] else {
            throw AutoError(description: "--shard auto: \(name) is not set")
        }
        guard let value = number(Substring(text)) else {
            throw AutoError(description: "--shard auto: \(name)=\(text) is not a whole number")
        }
        return value
    }

    private static func slurm(_ environment: [String: String]) throws(AutoError) -> Shard {
        let id = try integer(environment, "SLURM_ARRAY_TASK_ID")
        let minimum = try integer(environment, "SLURM_ARRAY_TASK_MIN")
        let count = try integer(environment, "SLURM_ARRAY_TASK_COUNT")
        // A stepped (--array=1-9:2) or sparse (--array=1,4,7) array has gaps the split cannot see.
        let maximum = try integer(environment, "SLURM_ARRAY_TASK_MAX")
        let step = environment["SLURM_ARRAY_TASK_STEP"].flatMap { number(Substring($0)) } ?? 1
        guard step == 1, maximum - minimum + 1 == count else {
            throw AutoError(
                description: "--shard auto: the SLURM array \(minimum)-\(maximum) has \(count) tasks"
                    + (step == 1 ? "" : " in steps of \(step)")
                    + "; only a contiguous array (--array=1-N) maps onto shards; give --shard K/N")
        }
        let source =
            "SLURM_ARRAY_TASK_ID=\(id), SLURM_ARRAY_TASK_MIN=\(minimum), SLURM_ARRAY_TASK_COUNT=\(count)"
        guard let shard = Shard(index: id - minimum + 1, count: count, source: source) else {
            throw AutoError(description: "--shard auto: \(source) do not agree")
        }
        return shard
    }

    private static func indexed(_ environment: [String: String], variable: String) throws(AutoError) -> Shard {
        let index = try integer(environment, variable)
        let count = try integer(environment, "FERRY_SHARD_COUNT")
        let source = "\(variable)=\(index) (from 0), FERRY_SHARD_COUNT=\(count)"
        guard let shard = Shard(index: index + 1, count: count, source: source) else {
            throw AutoError(
                description: "--shard auto: \(variable)=\(index) is not below FERRY_SHARD_COUNT=\(count)")
        }
        return shard
    }
}
