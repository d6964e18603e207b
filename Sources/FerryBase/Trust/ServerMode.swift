/// The one rule for file modes a server sends: only the permission bits (0777) ever reach a local
/// file. Set-user-ID, set-group-ID and sticky bits are dropped, as OpenSSH's sftp drops them, so a
/// download run as root never leaves a set-ID program behind.
package enum ServerMode {
    /// The mode a local file may take from the server's `mode`.
    package static func local(_ mode: UInt32) -> UInt32 { mode & 0o777 }
}
