import Testing
@testable import KubeProxyIPTables

@Suite struct PortChainNameTests {
    /// The layout hashes name, protocol and endpoint joined without building the String; the
    /// worked example of LAYOUT.md §2.3.
    @Test func joinedInputHashesLikeTheConcatenation() {
        let joined = ChainHashInput.suffix("prod/web:http", "tcp", "10.180.0.1:8080").chain("KUBE-SEP-")
        #expect(joined.description == "KUBE-SEP-XRXALGZB3DWGUMTV")
        let endpoint = Array("10.180.0.1:8080".utf8)
        let prefixed = endpoint.withUnsafeBytes { HashPrefix("prod/web:http", "tcp").chain("KUBE-SEP-", endpoint: $0) }
        #expect(prefixed == joined)
    }
}
