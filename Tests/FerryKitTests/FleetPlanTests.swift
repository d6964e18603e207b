import FerryBase
import Testing

@testable import FerryApp
@testable import FerryScript

@Suite("Hosts files and per-host paths")
struct FleetPlanTests {
    @Test func hostsFileLinesGiveTargetsTagsAndOrigins() {
        let (targets, problems) = FleetTarget.parseHostsFile(
            """
            # the fleet
            web1   web eu   # a saved session

            deploy@203.0.113.7:2222 db,eu bwlimit-host=down=2M,up=512K
            \tdb2\r bwlimit-host=1M
            """, file: "fleet.txt")
        #expect(problems.isEmpty)
        #expect(targets.map(\.name) == ["web1", "deploy@203.0.113.7:2222", "db2"])
        #expect(targets[0].tags == ["web", "eu"])
        #expect(targets[1].tags == ["db", "eu"])
        #expect(
            targets.map(\.bandwidthHost) == [nil, BandwidthCaps(down: 2 << 20, up: 512 << 10), BandwidthCaps("1M")])
        #expect(targets.map(\.origin) == ["fleet.txt:2", "fleet.txt:4", "fleet.txt:5"])
    }

    @Test func aWrongSettingOnAHostsFileLineIsNamedByItsLine() {
        let (_, problems) = FleetTarget.parseHostsFile(
            "web1 bwlimit-host=fast\nweb2 speed=1M\nweb3 bwlimit-host=off\n", file: "fleet.txt")
        #expect(
            problems == [
                "ferry: fleet.txt:1: bwlimit-host: 'fast' is not a rate: \(BandwidthCaps.expected)",
                "ferry: fleet.txt:2: unknown setting 'speed' (known: bwlimit-host)",
            ])
    }

    func collisions(_ text: String) throws -> [Int] {
        try Fleet.collisions(in: ScriptParser.parse(text, file: "s.scr")).map(\.line)
    }

    @Test func downloadsMustNameTheHostOrRunInAFolderPerHost() throws {
        #expect(try collisions("get /etc/hosts\nget /etc/hosts {host}-hosts\nmget /var/log/*.log\n") == [1, 3])
        #expect(try collisions("lcd out/{host}\nget /etc/hosts\nlcd sub\nmget *.log\nget x /tmp/x\n") == [5])
        #expect(try collisions("lcd {host}\nlcd /tmp\nget /etc/hosts\n") == [3])
        #expect(try collisions("put local.conf\nrun uptime\ncollect /var/log/syslog\n").isEmpty)
    }

    @Test func hostNamesBecomeSafeFolderNames() {
        #expect(PathRules.safeComponent("web1") == "web1")
        #expect(PathRules.safeComponent("127.0.0.1:2222") == "127.0.0.1_2222")
        #expect(PathRules.safeComponent("../etc") == "_._etc")
        #expect(PathRules.safeComponent("") == "_")
    }
}
