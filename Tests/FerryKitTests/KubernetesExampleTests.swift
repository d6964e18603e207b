import Foundation
import Testing
import Yams

/// The Kubernetes example is checked field by field, since no cluster runs the tests: an Indexed Job
/// whose shard count matches its completions, its inputs from a ConfigMap and a Secret, its reports
/// on a shared volume, a retry per index, and no retry of a script error.
@Suite("Kubernetes example")
struct KubernetesExampleTests {
    static let path =
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("examples/kubernetes/ferry-indexed-job.yaml").path

    @Test func theIndexedJobHasEveryPieceAShardedRunNeeds() throws {
        let text = try String(contentsOfFile: Self.path, encoding: .utf8)
        let job = try #require(try Yams.load(yaml: text) as? [String: Any])
        #expect(job["apiVersion"] as? String == "batch/v1")
        #expect(job["kind"] as? String == "Job")
        let spec = try #require(job["spec"] as? [String: Any])
        #expect(spec["completionMode"] as? String == "Indexed")
        let completions = try #require(spec["completions"] as? Int)
        #expect((spec["backoffLimitPerIndex"] as? Int ?? 0) >= 1)

        let rules = try #require((spec["podFailurePolicy"] as? [String: Any])?["rules"] as? [[String: Any]])
        let noRetry = rules.first { $0["action"] as? String == "FailIndex" }
        let codes = noRetry?["onExitCodes"] as? [String: Any]
        #expect(codes?["operator"] as? String == "In")
        #expect((codes?["values"] as? [Int])?.contains(2) == true)

        let pod = try #require((spec["template"] as? [String: Any])?["spec"] as? [String: Any])
        #expect(pod["restartPolicy"] as? String == "Never")
        let container = try #require((pod["containers"] as? [[String: Any]])?.first)
        #expect(codes?["containerName"] as? String == container["name"] as? String)
        let command = try #require(container["command"] as? [String])
        let shard = try #require(command.firstIndex(of: "--shard"))
        #expect(command[shard + 1] == "auto")
        #expect(command.contains("--hosts") && command.contains("-b") && command.contains("--diagnostics"))

        let env = try #require(container["env"] as? [[String: Any]])
        let count = env.first { $0["name"] as? String == "FERRY_SHARD_COUNT" }?["value"] as? String
        #expect(count == String(completions))
        let runID = env.first { $0["name"] as? String == "FERRY_RUN_ID" }
        let field = ((runID?["valueFrom"] as? [String: Any])?["fieldRef"] as? [String: Any])?["fieldPath"] as? String
        #expect(field?.contains("job-name") == true)

        // Inputs from a ConfigMap and a Secret, reports on a shared volume, each mounted where the
        // command looks.
        let volumes = try #require(pod["volumes"] as? [[String: Any]])
        let mounts = try #require(container["volumeMounts"] as? [[String: Any]])
        func mountPath(ofVolumeWith key: String) -> String? {
            guard let volume = volumes.first(where: { $0[key] != nil })?["name"] as? String else { return nil }
            return mounts.first { $0["name"] as? String == volume }?["mountPath"] as? String
        }
        let config = try #require(mountPath(ofVolumeWith: "configMap"))
        let keys = try #require(mountPath(ofVolumeWith: "secret"))
        let reports = try #require(mountPath(ofVolumeWith: "persistentVolumeClaim"))
        #expect(command[command.index(after: try #require(command.firstIndex(of: "--hosts")))].hasPrefix(config))
        #expect(command[command.index(after: try #require(command.firstIndex(of: "-i")))].hasPrefix(keys))
        #expect(command[command.index(after: try #require(command.firstIndex(of: "--diagnostics")))] == reports)
    }
}
