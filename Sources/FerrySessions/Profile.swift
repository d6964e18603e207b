/// A saved session: a name and the ``ConnectionSettings`` it holds, one YAML file per session (or a
/// PuTTY session, or a `Host` of `~/.ssh/config`).
///
/// Its settings read as its own (`profile.host`); they stack under the command line's.
@dynamicMemberLookup
public struct Profile: Equatable, Sendable {
    /// The session's name (its file name without `.yaml`).
    public var name: String
    /// The file it was read from, if any.
    public var path: String?
    /// What it says about the connection.
    public var settings = ConnectionSettings()

    /// Creates an empty profile called `name`.
    public init(name: String, settings: ConnectionSettings = ConnectionSettings()) {
        self.name = name
        self.settings = settings
    }

    /// A setting of this session, as `profile.host`.
    public subscript<Value>(dynamicMember path: WritableKeyPath<ConnectionSettings, Value>) -> Value {
        get { settings[keyPath: path] }
        set { settings[keyPath: path] = newValue }
    }

    /// The profile with its stored secrets shown as `********`, for `ferry session show`.
    public var masked: Profile {
        var profile = self
        if profile.password?.value != nil { profile.password?.value = "********" }
        if profile.proxy?.password.value != nil { profile.proxy?.password.value = "********" }
        return profile
    }
}
