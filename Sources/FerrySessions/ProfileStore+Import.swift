import FerryTransport
import Foundation

extension ProfileStore {
    /// What importing one outside session did.
    public enum ImportResult: Equatable, Sendable {
        /// Written as a Ferry session, at this path.
        case imported(source: String, name: String, path: String)
        /// A Ferry session of that name exists; it was left alone.
        case kept(path: String)
        /// The name cannot be a Ferry session's.
        case skipped(source: String, name: String)
        /// Reading or writing it failed.
        case failed(ProfileError)

        /// The line to show a person (a problem starts `ferry: `).
        public var line: String {
            switch self {
            case .imported(let source, let name, let path): "imported \(source) '\(name)' as \(path)"
            case .kept(let path): "kept \(path) (already there)"
            case .skipped(let source, let name): "ferry: skipping \(source) '\(name)': not a usable name"
            case .failed(let error): "ferry: \(error)"
            }
        }

        /// Whether this is a problem rather than news.
        public var isProblem: Bool {
            switch self {
            case .imported, .kept: false
            case .skipped, .failed: true
            }
        }
    }

    /// Writes PuTTY's saved sessions and `~/.ssh/config`'s literal hosts as Ferry sessions, keeping
    /// any Ferry session that already has the name.
    public func importOutsideSessions() -> [ImportResult] {
        var results: [ImportResult] = []
        func importOne(_ name: String, from source: String, load: () throws(ProfileError) -> Profile?) {
            guard ProfileStore.isValidName(name) else {
                results.append(.skipped(source: source, name: name))
                return
            }
            let existing = saveFolder + "/\(name).yaml"
            if FileManager.default.fileExists(atPath: existing) {
                results.append(.kept(path: existing))
                return
            }
            do {
                guard var profile = try load() else { return }
                profile.path = nil
                results.append(.imported(source: source, name: name, path: try save(profile)))
            } catch {
                results.append(.failed(error))
            }
        }
        if let putty {
            for name in putty.names() {
                importOne(name, from: "PuTTY session") { () throws(ProfileError) in try putty.load(name) }
            }
        }
        if let sshConfig {
            for name in sshConfig.literalHosts {
                importOne(name, from: "ssh_config host") { () throws(ProfileError) in
                    try sshConfig.profile(for: name, home: homeDirectory)
                }
            }
        }
        return results
    }
}
