import Crypto
import Testing
@testable import ServiceCompiler

@Suite struct ChainHashTests {
    /// The worked examples of LAYOUT.md §2.3, computed independently of kube-proxy.
    @Test(arguments: [
        ("prod/web:httptcp", "I6F7J7E256H6PY43"),
        ("prod/web:httptcp10.180.0.1:8080", "XRXALGZB3DWGUMTV"),
        ("ns1/svc1:p80tcp", "XPGD46QRK7WJZT7O"),
        ("ns1/svc1:p80tcp10.180.0.1:80", "SXIVWICOYRO3J4NJ"),
        ("prod/cachetcp", "PWYRV2IBFYBRQTNQ"),
        ("kube-system/kube-dns:dnsudp", "TCOU7JCQXEZGVUNU"),
        ("prod/web6:httptcp[fd00:10::5]:8080", "ZOYJWVINZ2UJ43HN"),
    ])
    func matchesKubeProxy(input: String, suffix: String) {
        #expect(ChainHash.suffix(of: input) == suffix)
        #expect(ChainHash.chainName(prefix: "KUBE-SVC-", input: input).description == "KUBE-SVC-" + suffix)
    }

    /// The one-shot SHA-256 the names use (`pp_sha256`) equals Swift Crypto's on both sides of
    /// every padding boundary.
    @Test func oneShotDigestEqualsSwiftCrypto() {
        for length in [0, 1, 12, 54, 55, 56, 57, 63, 64, 65, 119, 120, 128, 200, 231, 1000] {
            let input = (0..<length).map { UInt8(truncatingIfNeeded: 97 + $0 * 7) }
            let expected = Array(SHA256.hash(data: input))
            let actual = input.withUnsafeBytes { ChainHash.withDigest(of: $0) { Array($0) } }
            #expect(actual == expected, "input of \(length) bytes")
        }
    }
}
