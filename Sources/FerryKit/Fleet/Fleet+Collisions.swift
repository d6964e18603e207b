extension Fleet {
    /// The lines of `script` that would write the same local file for every host: a download whose local
    /// path names no host (`{host}`) while the local directory is not one per host either.
    ///
    /// Checked before anything connects, so a run never has hosts overwrite each other's files.
    public static func collisions(in script: Script) -> [Diagnostic] {
        var perHostDirectory = false
        var found: [Diagnostic] = []
        for line in script.lines {
            switch line.command {
            case .lcd(let path):
                let absolute = path.hasPrefix("/") || path.hasPrefix("~")
                perHostDirectory = path.contains("{host}") || (perHostDirectory && !absolute)
            case .transfer(let transfer) where transfer.isDownload:
                let command = transfer.kind.rawValue
                if let destination = transfer.destination {
                    let absolute = destination.hasPrefix("/") || destination.hasPrefix("~")
                    if destination.contains("{host}") || (perHostDirectory && !absolute) { continue }
                } else if perHostDirectory {
                    continue
                }
                found.append(
                    Diagnostic(
                        file: script.file, line: line.line, column: 1,
                        message: "\(command) would write the same local files for every host; "
                            + (command == "mget"
                                ? "run 'lcd {host}' first"
                                : "name the host in the local path ('\(command) FILE {host}/FILE') or run 'lcd {host}' first")
                    ))
            default:
                continue
            }
        }
        return found
    }
}
