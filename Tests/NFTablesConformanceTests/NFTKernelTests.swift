import NetworkAddresses
import NetworkNamespaces
import Testing

/// What the kernel makes of our text: nft 1.0.6 must accept it (`nft -c`), and loading it
/// into a fresh network namespace must leave exactly the table kube-proxy's dump left there
/// (`nft list table` equal to the case's `live-nft-list.txt`). Needs root; without it the
/// suite is reported as skipped, and PACKETPATH_REQUIRE_PRIVILEGED=1 makes it fail instead.
@Suite(.enabled(if: Privileges.privilegedTestsEnabled, Comment(rawValue: Privileges.skipComment)))
struct NFTKernelTests {
    @Test(arguments: NFTCases.names)
    func nftCheckAcceptsOutput(caseName: String) throws {
        let (_, text) = try NFTCases.compiled(caseName)
        let scratch = try ScratchNamespace(tag: "nftc")
        defer { scratch.remove() }
        let result = try scratch.exec(["nft", "-c", "-f", "-"], input: Array(text.utf8))
        #expect(result.status == 0, "nft -c rejected \(caseName): \(result.stderr)")
    }

    @Test(arguments: NFTCases.names)
    func loadedTableListsAsKubeProxys(caseName: String) throws {
        let (family, text) = try NFTCases.compiled(caseName)
        let scratch = try ScratchNamespace(tag: "nftl")
        defer { scratch.remove() }
        let load = try scratch.exec(["nft", "-f", "-"], input: Array(text.utf8))
        try #require(load.status == 0, "nft -f failed for \(caseName): \(load.stderr)")
        let listing = try scratch.exec(["nft", "list", "table", family == .ipv4 ? "ip" : "ip6", "kube-proxy"])
        try #require(listing.status == 0, "nft list failed: \(listing.stderr)")
        let expected = try NFTCases.reference(caseName, "live-nft-list.txt")
        #expect(listing.stdout == expected, "first difference: \(NFTCases.firstDifference(listing.stdout, expected))")
    }
}
