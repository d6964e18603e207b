internal import CLibSSH2

/// The algorithms Ferry offers: OpenSSH 9.2's client defaults, within what libssh2 1.10 implements,
/// and the old ones OpenSSH no longer offers unless asked, which Ferry offers only with
/// `--legacy-algorithms` (or `legacy-algorithms: true` in a session).
///
/// libssh2 1.10 has no chacha20-poly1305, AES-GCM, ETM MACs, UMAC or sntrup761, so the modern set is
/// smaller than OpenSSH's; it has no `rsa-sha2-*` host key verification either, so a server whose
/// only host key is RSA needs `--legacy-algorithms` (an RSA *login* signs with SHA-2 regardless; see
/// ``LoginSigner``).
public enum Algorithms {
    /// One kind of method, in libssh2's terms.
    public struct Kind: Sendable {
        /// How `-v` and warnings name it.
        public let name: String
        let methods: [Int32]
        /// Offered by default, best first.
        public let modern: [String]
        /// Offered after the modern ones with `--legacy-algorithms`.
        public let legacy: [String]
    }

    public static let kinds: [Kind] = [
        Kind(
            name: "kex", methods: [LIBSSH2_METHOD_KEX],
            modern: [
                "curve25519-sha256", "curve25519-sha256@libssh.org", "ecdh-sha2-nistp256", "ecdh-sha2-nistp384",
                "ecdh-sha2-nistp521", "diffie-hellman-group-exchange-sha256", "diffie-hellman-group16-sha512",
                "diffie-hellman-group18-sha512", "diffie-hellman-group14-sha256",
            ],
            legacy: ["diffie-hellman-group14-sha1", "diffie-hellman-group-exchange-sha1", "diffie-hellman-group1-sha1"]),
        Kind(
            name: "hostkey", methods: [LIBSSH2_METHOD_HOSTKEY],
            modern: ["ssh-ed25519", "ecdsa-sha2-nistp256", "ecdsa-sha2-nistp384", "ecdsa-sha2-nistp521"],
            legacy: ["ssh-rsa", "ssh-dss"]),
        Kind(
            name: "cipher", methods: [LIBSSH2_METHOD_CRYPT_CS, LIBSSH2_METHOD_CRYPT_SC],
            modern: ["aes128-ctr", "aes192-ctr", "aes256-ctr"],
            legacy: [
                "aes256-cbc", "rijndael-cbc@lysator.liu.se", "aes192-cbc", "aes128-cbc", "3des-cbc", "blowfish-cbc",
                "cast128-cbc", "arcfour128", "arcfour",
            ]),
        Kind(
            name: "mac", methods: [LIBSSH2_METHOD_MAC_CS, LIBSSH2_METHOD_MAC_SC],
            modern: ["hmac-sha2-256", "hmac-sha2-512", "hmac-sha1"],
            legacy: ["hmac-sha1-96", "hmac-md5", "hmac-md5-96", "hmac-ripemd160", "hmac-ripemd160@openssh.com"]),
    ]

    /// Every legacy name, to tell a negotiated one.
    public static let legacyNames: Set<String> = Set(kinds.flatMap(\.legacy))

    /// Sets the session's preferences: `preferredHostKeys` (the types known_hosts holds) first among
    /// the host key algorithms offered.
    static func offer(on session: OpaquePointer, legacy: Bool, preferredHostKeys: [String]) {
        for kind in kinds {
            var names = kind.modern + (legacy ? kind.legacy : [])
            if kind.name == "hostkey" {
                let preferred = preferredHostKeys.filter(names.contains)
                names = preferred + names.filter { !preferred.contains($0) }
            }
            for method in kind.methods {
                _ = libssh2_session_method_pref(session, method, names.joined(separator: ","))
            }
        }
    }
}
