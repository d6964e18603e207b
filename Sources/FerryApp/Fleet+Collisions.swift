import FerryBase
import FerryScript

extension Fleet {
    /// The lines of `script` that would write the same local file for every host: a download whose local
    /// path names no host (`{host}`) while the local directory is not one per host either.
    ///
    /// Checked before anything connects, so a run never has hosts overwrite each other's files.
    public static func collisions(in script: Script) -> [Diagnostic] {
        var perHostDirectory = false
        // A local path is one per host when it names the host, or is relative to a folder that does.
        func isPerHost(_ path: String) -> Bool {
            path.contains("{host}") || (perHostDirectory && !path.hasPrefix("/") && !path.hasPrefix("~"))
        }
        var found: [Diagnostic] = []
        for line in script.lines {
            switch line.command {
            case .lcd(let path):
                perHostDirectory = isPerHost(path)
            case .transfer(let transfer):
                guard transfer.isDownload else { continue }
                let command = transfer.kind.rawValue
                if isPerHost(transfer.destination ?? ".") { continue }
                found.append(
                    Diagnostic(
                        file: script.file, line: line.line, column: 1,
                        message: "\(command) would write the same local files for every host; "
                            + (command == "mget"
                                ? "run 'lcd {host}' first"
                                : "name the host in the local path ('\(command) FILE {host}/FILE') or run 'lcd {host}' first")
                    ))
            case .mirror(let mirror):
                if mirror.reverse || isPerHost(mirror.target ?? PathRules.lastComponent(mirror.source)) { continue }
                found.append(
                    Diagnostic(
                        file: script.file, line: line.line, column: 1,
                        message: "mirror would make the same local tree for every host; name the host in the"
                            + " local folder ('mirror DIR {host}/DIR') or run 'lcd {host}' first"))
            // These write no local file, or only into the host's own diagnostics folder (run, collect);
            // a local command's writes are its own. Listed one by one, so a new command must be placed.
            case .open, .close, .bye, .help, .pwd, .lpwd, .cd, .ls, .mkdir, .rmdir, .rm, .mv, .chmod, .local, .run,
                .verify, .collect, .pingMTU, .barrier, .bwlimit:
                continue
            }
        }
        return found
    }
}
