import Testing

@testable import FerryTransport

@Suite("RSA signature fallback")
struct RSAFallbackTests {
    @Test(arguments: [
        ("SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u3", false),
        ("SSH-2.0-OpenSSH_7.2", false),
        ("SSH-2.0-OpenSSH_7.1p2", true),
        ("SSH-2.0-OpenSSH_6.6.1p1 Ubuntu-2ubuntu2", true),
        ("SSH-2.0-dropbear_2022.83", true),
        ("SSH-2.0-OpenSSH_for_Windows_8.1", true),
    ])
    func onlyServersThatMayLackSHA2GetAnSSHRSARetry(banner: String, retries: Bool) {
        #expect(SSHSession.retriesRSAWithSHA1(banner: banner) == retries)
    }

    @Test func noBannerMeansRetry() {
        #expect(SSHSession.retriesRSAWithSHA1(banner: nil))
    }

    @Test func openSSHVersionsAreReadFromBanners() {
        #expect(SSHSession.openSSHVersion(banner: "SSH-2.0-OpenSSH_8.8") ?? (0, 0) == (8, 8))
        #expect(SSHSession.openSSHVersion(banner: "SSH-2.0-OpenSSH_10.0p2 Debian-5") ?? (0, 0) == (10, 0))
        #expect(SSHSession.openSSHVersion(banner: "SSH-2.0-dropbear_2022.83") == nil)
    }
}
