import FerryBase
import FerryScript
import Foundation

extension Interpreter {
    /// How long a remote directory listing is reused for completion; any command forgets them all.
    static let listingLifetime: TimeInterval = 10

    /// What Tab should do with `line`, the text before the cursor at the prompt.
    public func completion(for line: String) -> Completion {
        let engine = CompletionEngine(
            remote: { self.remoteListing($0) }, local: { self.localListing($0) },
            sessions: { self.settings.sessionNames?() ?? [] })
        return engine.complete(line)
    }

    /// Forgets cached remote listings, after a command that may have changed the remote side.
    func forgetListings() { listings.removeAll() }

    func remoteListing(_ typed: String) -> [CompletionEntry]? {
        guard let sftp = try? sftp("complete") else { return nil }
        let directory = typed.isEmpty ? remoteDirectory : remotePath(typed)
        if let cached = listings[directory], Date().timeIntervalSince(cached.made) < Self.listingLifetime {
            return cached.entries
        }
        guard let listing = try? sftp.list(directory) else { return nil }
        // A name with control characters cannot be typed, and inserting it would send them to the terminal.
        let listed = listing.entries.filter { !ServerText.hasControls($0.name) }.map {
            CompletionEntry(name: $0.name, isDirectory: $0.attributes.isDirectory)
        }
        listings[directory] = (Date(), listed)
        return listed
    }

    func localListing(_ typed: String) -> [CompletionEntry]? {
        let directory = typed.isEmpty ? localDirectory : localPath(typed)
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: directory) else { return nil }
        return names.map { name in
            CompletionEntry(name: name, isDirectory: LocalStatus(PathRules.join(directory, name))?.isDirectory == true)
        }
    }
}
