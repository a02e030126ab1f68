import PacketPath
import TestSupport
import Testing

/// Every case kube-proxy v1.30.3's nftables proxier was run on: our `nft -f` text must equal
/// its dump, byte for byte.
@Suite struct NFTConformanceTests {
    @Test func allThirtyCasesArePresent() {
        #expect(NFTCases.names.count == 30, "expected the 30 shared cases in \(ProjectPaths.kubeProxyCases)")
    }

    @Test(arguments: NFTCases.names)
    func compiledTextEqualsKubeProxyNFT(caseName: String) throws {
        let ours = try NFTCases.compiled(caseName).text
        let reference = try NFTCases.reference(caseName, "kube-proxy.nft")
        #expect(ours == reference, "first difference: \(NFTCases.firstDifference(ours, reference))")
    }
}
