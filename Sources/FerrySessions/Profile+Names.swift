import FerryBase

extension ConnectionSettings {
    /// The first host or user name of these settings that ``TargetName`` refuses, with the setting that
    /// holds it (`host`, `user`, `proxy.host`, `jump`), or nil when all pass. A jump entry may also be
    /// a saved session's name.
    func refusedName() -> (setting: String, error: TargetNameError)? {
        do throws(TargetNameError) {
            if let host { _ = try TargetName.host(host) }
        } catch {
            return ("host", error)
        }
        do throws(TargetNameError) {
            if let user { try TargetName.user(user) }
        } catch {
            return ("user", error)
        }
        do throws(TargetNameError) {
            if let proxy, proxy.kind != .command, let host = proxy.host { _ = try TargetName.host(host) }
        } catch {
            return ("proxy.host", error)
        }
        for entry in jump ?? [] where !Profile.mayBeSessionName(entry) {
            do throws(TargetNameError) {
                _ = try ConnectionTarget.parse(entry, defaultUser: "root", defaultPort: 22)
            } catch {
                return ("jump", error)
            }
        }
        return nil
    }

}

extension Profile {
    /// Whether a jump entry is taken as a saved session's name first (see `SessionResolver`).
    static func mayBeSessionName(_ entry: String) -> Bool {
        !entry.contains("@") && !entry.contains(":") && ProfileStore.isValidName(entry)
    }

    /// This profile, or a ``ProfileError`` naming `file` and the setting whose name is refused.
    func checkingNames(file: String, line: (String) -> Int = { _ in 1 }) throws(ProfileError) -> Profile {
        guard let (setting, error) = settings.refusedName() else { return self }
        throw ProfileError.invalid(file: file, line: line(setting), column: 1, message: "\(setting): \(error)")
    }
}
