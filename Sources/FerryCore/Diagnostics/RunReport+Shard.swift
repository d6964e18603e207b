import Foundation

extension RunReport {
    /// What a shard's report says of the run it is part of (`--shard`), so `ferry report merge` can
    /// check that the shards belong together and name the hosts of a shard that never reported.
    public struct ShardRecord: Codable, Sendable, Equatable {
        /// One host of the whole inventory: its label and how it was named.
        public struct Member: Codable, Sendable, Equatable {
            public var host: String
            public var target: String?

            public init(host: String, target: String?) {
                self.host = host
                self.target = target
            }
        }

        /// The run every shard shares (`--run-id`, `SLURM_ARRAY_JOB_ID`, `FERRY_RUN_ID`).
        public var runID: String
        /// This shard, from 1, of `count`.
        public var index: Int
        public var count: Int
        /// 1 for a shard's first report; one more each time the same shard reports again.
        public var attempt: Int
        /// The SHA-256 of the sorted inventory, one name a line.
        public var inventorySHA256: String
        /// Where `--shard auto` found the numbers, when it did.
        public var mapping: String?
        /// Every host of the run, sorted by name: the split's input.
        public var inventory: [Member]

        /// The folder the shard's report goes in, inside the run's folder: `shard-K-of-N`.
        public var folderName: String { "shard-\(index)-of-\(count)" }

        enum CodingKeys: String, CodingKey {
            case index, count, attempt, mapping, inventory
            case runID = "run_id"
            case inventorySHA256 = "inventory_sha256"
        }

        /// Creates a record.
        public init(
            runID: String, index: Int, count: Int, attempt: Int, inventorySHA256: String, mapping: String?,
            inventory: [Member]
        ) {
            self.runID = runID
            self.index = index
            self.count = count
            self.attempt = attempt
            self.inventorySHA256 = inventorySHA256
            self.mapping = mapping
            self.inventory = inventory
        }
    }

    /// What a merged report says of the shards it came from.
    public struct MergeRecord: Codable, Sendable, Equatable {
        public var runID: String
        public var count: Int
        public var inventorySHA256: String
        /// The shards that reported, with the attempt each report was.
        public var shards: [Int: Int]
        /// The shards that never reported; their hosts are `not-run`.
        public var missing: [Int]

        enum CodingKeys: String, CodingKey {
            case count, shards, missing
            case runID = "run_id"
            case inventorySHA256 = "inventory_sha256"
        }

        /// Creates a record.
        public init(runID: String, count: Int, inventorySHA256: String, shards: [Int: Int], missing: [Int]) {
            self.runID = runID
            self.count = count
            self.inventorySHA256 = inventorySHA256
            self.shards = shards
            self.missing = missing
        }
    }
}
