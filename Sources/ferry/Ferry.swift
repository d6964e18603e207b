import ArgumentParser
import FerryApp
import FerryBase
import FerryScript
import FerrySessions
import FerryTransport
import Foundation
import Logging

struct Ferry: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ferry",
        abstract: "Run psftp-style batch scripts against hosts over SSH/SFTP.",
        usage: "ferry [<options>] [<targets> ...] [-- <script arguments> ...]",
        discussion: """
            Exit status: 0 all commands succeeded; 2 usage or script error; 3 host key refused; \
            4 authentication failed; 5 proxy failure; 6 connection failed or lost; 7 a file command failed; \
            8 a local or remote command failed; 9 some hosts failed; 130 stopped with Ctrl-C.

            Script parameters: -D NAME=VALUE gives ${NAME}; the words after -- are $1, $2, ...; \
            ${env:NAME} reads the environment (see ferry-script(5)).

            Saved sessions: ferry session list | show NAME | save NAME [options] | delete NAME.
            PuTTY keys: ferry key convert IN.ppk OUT writes an OpenSSH private key.
            """,
        version: FerryVersion.current
    )

    @Argument(
        help: "The host to connect to: [user@]host[:port]. Several run the script on each.",
        completion: .custom { words, _, _ in Ferry.completableHosts(words: words) })
    var targets: [String] = []

    @Option(
        name: .customShort("b"), help: ArgumentHelp("Run commands from a batch file.", valueName: "file"),
        completion: .file())
    var batchFile: String?

    @Option(
        name: .customShort("D"),
        help: ArgumentHelp(
            "Give the script's ${NAME} a value (repeatable; the last one given for a name counts).",
            valueName: "NAME=VALUE"))
    var definitions: [String] = []

    @Flag(name: .customLong("bc", withSingleDash: true), help: "Echo each batch command before running it.")
    var echoCommands = false

    @Flag(
        name: .customLong("be", withSingleDash: true),
        help: "Keep going after a failed batch command (the exit status still reports it).")
    var keepGoing = false

    @Flag(
        name: .customLong("batch", withSingleDash: true),
        help: "Never ask anything: unknown host keys and missing passwords fail.")
    var batch = false

    @Option(
        name: .customLong("load", withSingleDash: true),
        help: ArgumentHelp("Load a saved session (repeatable: the script runs on each).", valueName: "session"),
        completion: .custom { words, _, _ in Ferry.savedSessionNames(words: words) })
    var load: [String] = []

    @Option(
        name: .customLong("hosts"),
        help: ArgumentHelp(
            "Run the script on every host in this file: a session or [user@]host[:port] a line, then tags.",
            valueName: "file"),
        completion: .file())
    var hostsFile: String?

    @Flag(
        name: .customLong("check"),
        help: "Connect to every host and walk the script without changing anything: say what would fail.")
    var check = false

    @Option(
        name: .customLong("events"),
        help: ArgumentHelp(
            "Write one JSON object a line as things happen (schema ferry-events/1): to this file, to"
                + " standard output (-), or to an open descriptor (fd:N).",
            valueName: "file"),
        completion: .file())
    var events: String?

    @Option(
        name: .customLong("rerun"),
        help: ArgumentHelp(
            "Run the script again on the hosts that did not end ok in this earlier report.json (alone, or"
                + " kept to the hosts also named by --hosts, -load or on the command line).",
            valueName: "report"),
        completion: .file(extensions: ["json"]))
    var rerun: String?

    @Option(
        name: .customLong("group"),
        help: ArgumentHelp("Only the hosts file's hosts with this tag (repeatable).", valueName: "tag"),
        completion: .custom { words, _, _ in Ferry.hostsFileTags(words: words) })
    var groups: [String] = []

    @Option(name: .customLong("parallel"), help: ArgumentHelp("Hosts run at once.", valueName: "n"))
    var parallel = 32

    @Option(
        name: .customLong("host-timeout"),
        help: ArgumentHelp("Seconds each host may take before it is cut off.", valueName: "secs"))
    var hostTimeout: Int?

    @Flag(name: .customLong("fail-fast"), help: "Start no more hosts after the first one fails (--max-fail 0).")
    var failFast = false

    @Option(
        name: .customLong("waves"),
        help: ArgumentHelp(
            "Run the hosts in waves of these sizes, each a count or a percentage of the hosts (1,10%,50%);"
                + " a wave starts when the one before has ended, and the last size repeats.",
            valueName: "list"))
    var waves: String?

    @Option(
        name: .customLong("shard"),
        help: ArgumentHelp(
            "Run only the K-th of N slices of the hosts (sorted by name, every N-th from the K-th), or 'auto'"
                + " to read the slice from SLURM, a Kubernetes Indexed Job or Nomad.", valueName: "K/N|auto"))
    var shard: String?

    @Option(
        name: .customLong("run-id"),
        help: ArgumentHelp(
            "The run every shard belongs to: each writes <diagnostics>/ID/shard-K-of-N/ (default"
                + " SLURM_ARRAY_JOB_ID, else FERRY_RUN_ID).", valueName: "id"))
    var runID: String?

    @Option(
        name: .customLong("max-fail"),
        help: ArgumentHelp(
            "Failure budget: once more than N hosts (or P% of them) have failed, start no more and let"
                + " barriers hold (exit 9).", valueName: "N|P%"))
    var maxFail: String?

    @Option(
        name: .customLong("bwlimit"),
        help: ArgumentHelp(
            "Cap the run's transfers, every host and stream together: bytes a second with K, M or G (4M is"
                + " 4 MiB/s), each way; down=RATE,up=RATE sets the ways apart; 0 or off: no cap.",
            valueName: "rate"))
    var bandwidth: String?

    @Option(
        name: .customLong("bwlimit-host"),
        help: ArgumentHelp(
            "Cap each host's transfers (as --bwlimit); with --bwlimit too, the lower cap holds.",
            valueName: "rate"))
    var bandwidthHost: String?

    @Flag(name: .customLong("stream"), help: "Print each host's output as it comes, each line prefixed by the host.")
    var stream = false

    @Flag(name: .customLong("gather"), help: "At the end, group hosts whose remote output is identical.")
    var gather = false

    @Flag(name: .customLong("json"), help: "Print only a JSON report of the run over many hosts on stdout.")
    var json = false

    @Option(name: .customShort("l"), help: ArgumentHelp("Log in as this user.", valueName: "user"))
    var user: String?

    @Option(name: .customShort("P"), help: ArgumentHelp("Connect to this port.", valueName: "port"))
    var port: Int?

    @Option(
        name: .customLong("pw", withSingleDash: true),
        help: ArgumentHelp(
            "Log in with this password (visible to other local users; prefer FERRY_PASSWORD).", valueName: "password"))
    var password: String?

    @Option(
        name: .customShort("i"),
        help: ArgumentHelp("Private key file to offer (repeatable): OpenSSH, PEM or PuTTY .ppk.", valueName: "keyfile"),
        completion: .file())
    var identities: [String] = []

    @Option(
        name: .customLong("hostkey", withSingleDash: true),
        help: ArgumentHelp(
            "Accept only a host key with this fingerprint (SHA256:… or MD5 hex; repeatable).", valueName: "fingerprint")
    )
    var hostKeys: [String] = []

    @Option(
        name: .customLong("known-hosts"),
        help: ArgumentHelp("known_hosts file to check and update.", valueName: "file"),
        completion: .file())
    var knownHosts: String?

    @Flag(
        name: .customShort("v"),
        help: "Show what the connection does (methods, host key, login attempts) on standard error.")
    var verbose: Int

    @Flag(name: .customShort("C"), help: "Ask for compression.")
    var compression = false

    @Flag(
        name: .customLong("legacy-algorithms"),
        help:
            "Also offer the algorithms OpenSSH 9.2 no longer offers (SHA-1 key exchange, ssh-rsa and ssh-dss host keys, CBC ciphers, MD5 and RIPEMD MACs), with a warning when one is used."
    )
    var legacyAlgorithms = false

    @Flag(name: .customShort("4"), help: "Use IPv4 only.")
    var ipv4 = false

    @Flag(name: .customShort("6"), help: "Use IPv6 only.")
    var ipv6 = false

    @Flag(name: .customLong("agent", withSingleDash: true), help: "Use ssh-agent (the default).")
    var agent = false

    @Flag(name: .customLong("noagent", withSingleDash: true), help: "Do not use ssh-agent.")
    var noAgent = false

    @Option(
        name: .customLong("sessions"),
        help: ArgumentHelp("Folder searched first for saved sessions (NAME.yaml).", valueName: "dir"),
        completion: .directory)
    var sessions: String?

    @Option(
        name: .customLong("proxy"),
        help: ArgumentHelp(
            "Go through a proxy: http://[user[:pass]@]host[:port], socks4://, socks4a://, socks5:// or telnet://"
                + " (a password also from FERRY_PROXY_PASSWORD).", valueName: "url"))
    var proxy: String?

    @Option(
        name: .customLong("diagnostics"),
        help: ArgumentHelp("Folder for what 'run' collects (default ./diagnostics).", valueName: "dir"),
        completion: .directory)
    var diagnostics: String?

    @Option(
        name: .customShort("J"),
        help: ArgumentHelp(
            "Jump hosts, comma-separated: [user@]host[:port] or saved session names, tried in order.",
            valueName: "hosts"),
        completion: .custom { words, _, _ in Ferry.completableHosts(words: words) })
    var jumpHosts: String?

    @Option(
        name: .customLong("proxycmd", withSingleDash: true),
        help: ArgumentHelp(
            "Reach the host through a local command's standard input and output (%host and %port, or %h and %p,"
                + " are replaced).", valueName: "command"))
    var proxyCommand: String?

    @Option(
        name: .customLong("proxy-exclude"),
        help: ArgumentHelp(
            "Hosts reached directly, comma-separated: names with wildcards or a.b.c.d/bits networks.",
            valueName: "list"))
    var proxyExclude: String?

    @Flag(name: .customLong("proxy-localhost"), help: "Send connections to this machine through the proxy too.")
    var proxyLocalhost = false

    @Option(
        name: .customLong("proxy-dns"),
        help: ArgumentHelp("Where host names are looked up: auto, local or remote (at the proxy).", valueName: "where"))
    var proxyDNS: String?

    @Option(
        name: .customLong("connections"),
        help: ArgumentHelp("Connections to use at once for many-file transfers.", valueName: "n"))
    var connections = 4

    @Option(
        name: .customLong("streams"),
        help: ArgumentHelp(
            "Streams a big file (32 MiB or more) is split over, at most --connections"
                + " (default: as many when the host's round trip is 5 ms or more, else 1).",
            valueName: "n"))
    var streams: Int?

    @Option(
        name: .customLong("retries"),
        help: ArgumentHelp(
            "Times a command reconnects and carries on after losing its connection (0: never).", valueName: "n"))
    var retries: Int?

    @Flag(
        name: .customLong("inplace"),
        help: "Uploads write the target itself, not a hidden part renamed into place when complete.")
    var inPlace = false

    @Flag(
        name: .customLong("verify"),
        help: "Compare every transferred file's SHA-256 on both sides before it takes its name (as get -V).")
    var verify = false

    @Option(
        name: .customLong("max-sessions"),
        help: ArgumentHelp(
            "SSH connections open at once in all, across hosts and their extra transfer connections"
                + " (default 64, or --parallel when that is higher).",
            valueName: "n"))
    var maxSessions: Int?

    @Option(
        name: .customLong("timeout"),
        help: ArgumentHelp("Seconds to wait for the network before giving up.", valueName: "seconds"))
    var timeout: Int?

    @Flag(name: .customShort("V"), help: "Show the version and exit.")
    var showVersion = false

    func validate() throws {
        if ipv4 && ipv6 { throw ValidationError("-4 and -6 cannot be used together") }
        if agent && noAgent { throw ValidationError("-agent and -noagent cannot be used together") }
        if let port, !(1...65535).contains(port) { throw ValidationError("-P \(port) is not a port number") }
        if connections < 1 || connections > 64 { throw ValidationError("--connections must be between 1 and 64") }
        if let streams, streams < 1 || streams > 64 { throw ValidationError("--streams must be between 1 and 64") }
        if let maxSessions, maxSessions < 1 || maxSessions > 4096 {
            throw ValidationError("--max-sessions must be between 1 and 4096")
        }
        if let retries, retries < 0 || retries > 100 { throw ValidationError("--retries must be between 0 and 100") }
        if let timeout, timeout < 1 { throw ValidationError("--timeout must be at least 1 second") }
        if parallel < 1 || parallel > 1024 { throw ValidationError("--parallel must be between 1 and 1024") }
        if let hostTimeout, hostTimeout < 1 { throw ValidationError("--host-timeout must be at least 1 second") }
        if events == "-" && json {
            throw ValidationError("--events - and --json both write to standard output; give --events a file")
        }
        for definition in definitions where ScriptParameters.definition(definition) == nil {
            throw ValidationError(
                "-D \(definition): give NAME=VALUE, with a NAME of letters, digits and _ not starting with a digit")
        }
        if !Entry.scriptArguments.isEmpty && batchFile == nil {
            throw ValidationError("the words after -- are a batch script's $1, $2, ...: give the script with -b FILE")
        }
        if stream && gather { throw ValidationError("--stream and --gather cannot be used together") }
        if let waves {
            guard let sizes = HostShare.list(waves), !sizes.contains(where: \.isZero) else {
                throw ValidationError(
                    "--waves \(waves): give wave sizes separated by commas, each a number of hosts from 1 or a"
                        + " percentage from 1% to 100%")
            }
        }
        if let maxFail, HostShare(maxFail) == nil {
            throw ValidationError(
                "--max-fail \(maxFail): give a number of hosts from 0, or a percentage from 0% to 100%")
        }
        if let shard, shard != "auto", Shard(shard) == nil {
            throw ValidationError("--shard \(shard): give K/N with 1 <= K <= N, or auto")
        }
        if let runID, !Self.isRunID(runID) {
            throw ValidationError(
                "--run-id \(runID): use letters, digits, '.', '_' and '-' (at most 128, not starting with '.')")
        }
        for (option, value) in [("--bwlimit", bandwidth), ("--bwlimit-host", bandwidthHost)] {
            if let value, BandwidthCaps(value) == nil {
                throw ValidationError("\(option) \(value): \(BandwidthCaps.expected)")
            }
        }
        if failFast && maxFail != nil { throw ValidationError("--fail-fast is --max-fail 0: give one of them") }
        if proxy != nil && proxyCommand != nil {
            throw ValidationError("--proxy and -proxycmd cannot be used together")
        }
        if let proxy, ProxySettings(url: proxy) == nil {
            throw ValidationError(
                "--proxy \(proxy) is not http://, socks4://, socks4a://, socks5:// or telnet://host[:port]")
        }
        if let proxyDNS, ProxySettings.NameLookup(rawValue: proxyDNS) == nil {
            throw ValidationError("--proxy-dns takes auto, local or remote")
        }
    }

    func run() throws {
        if showVersion {
            print("ferry \(FerryVersion.current)")
            return
        }
        SessionGate.shared.limit = sessionLimit
        if let maxSessions, maxSessions < parallel {
            FileHandle.standardError.write(
                Data(
                    ("ferry: --parallel \(parallel) runs at most \(maxSessions) hosts at once: --max-sessions"
                        + " \(maxSessions) caps the connections\n").utf8))
        }
        let status = FerryMain(options: self).run()
        if status != 0 { throw ExitCode(status) }
    }
}

extension Ferry {
    /// Whether `text` can name a run's folder: letters, digits, `.`, `_`, `-`, not starting with `.`.
    static func isRunID(_ text: String) -> Bool {
        !text.isEmpty && !text.hasPrefix(".") && PathRules.isPlainWord(Substring(text), limit: 128)
    }

    /// The connections open at once: `--max-sessions`, else 64, raised to `--parallel` so that the hosts
    /// asked to run at once all can.
    var sessionLimit: Int { maxSessions ?? max(Self.defaultSessionLimit, parallel) }

    /// The cap on connections open at once when neither `--max-sessions` nor a higher `--parallel` sets it.
    static let defaultSessionLimit = 64
}

extension Ferry {
    /// What the script's references stand for: `-D` definitions, the words after `--` and `environment`.
    func scriptParameters(environment: [String: String]) -> ScriptParameters {
        let scriptArguments = Entry.scriptArguments
        var named: [String: String] = [:]
        for definition in definitions {
            if let (name, value) = ScriptParameters.definition(definition) { named[name] = value }
        }
        return ScriptParameters(named: named, positional: scriptArguments, environment: environment)
    }
}

extension Ferry {
    /// The command line's connection settings, nil where it says nothing. The password is `-pw`'s,
    /// else `FERRY_PASSWORD`'s; a proxy password in the URL, else `FERRY_PROXY_PASSWORD`'s.
    func connectionSettings(environment: [String: String]) -> ConnectionSettings {
        var settings = ConnectionSettings()
        (settings.user, settings.port) = (user, port)
        settings.identityFiles = identities.isEmpty ? nil : identities
        settings.hostKeys = hostKeys.isEmpty ? nil : hostKeys
        settings.knownHosts = knownHosts
        settings.compression = compression ? true : nil
        settings.legacyAlgorithms = legacyAlgorithms ? true : nil
        settings.timeout = timeout
        settings.inPlace = inPlace ? true : nil
        settings.verify = verify ? true : nil
        settings.retries = retries
        settings.bandwidthHost = bandwidthHost.flatMap { BandwidthCaps($0) }
        if let password {
            settings.password = ConnectionSettings.Secret(value: password)
        } else if environment["FERRY_PASSWORD"] != nil {
            settings.password = ConnectionSettings.Secret(environment: "FERRY_PASSWORD")
        }
        settings.proxy = proxySettings
        settings.jump = jumpHosts.map(Self.commaList)
        return settings
    }

    /// The proxy the command line asks for, if any.
    var proxySettings: ConnectionSettings.Proxy? {
        var settings: ConnectionSettings.Proxy
        if let command = proxyCommand {
            settings = ConnectionSettings.Proxy(kind: .command)
            settings.command = command
        } else if let url = proxy, let parsed = ProxySettings(url: url) {
            settings = ConnectionSettings.Proxy(
                kind: parsed.kind, host: parsed.host, port: parsed.port, user: parsed.username)
            settings.password = ConnectionSettings.Secret(value: parsed.password)
        } else {
            return nil
        }
        settings.exclude = proxyExclude.map(Self.commaList) ?? []
        settings.localhost = proxyLocalhost
        settings.dns = proxyDNS.flatMap(ProxySettings.NameLookup.init(rawValue:)) ?? .auto
        return settings
    }

    /// `a, b,c` as `["a", "b", "c"]`.
    static func commaList(_ text: String) -> [String] {
        text.split(separator: ",").map { String($0).trimmingCharacters(in: .whitespaces) }
    }
}
