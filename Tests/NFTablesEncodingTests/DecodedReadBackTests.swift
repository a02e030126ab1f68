import ClusterState
import Foundation
import NetfilterApply
import NetworkNamespaces
import NFTText
import PacketPath
import RuleModel
import Testing
import TestSupport

/// kube-proxy's table read back over netlink and decoded (what `diff netns:` and `trace
/// netns:` use) must be the same typed table as `nft list table` of that namespace parsed,
/// and as the table it was compiled from — for all 30 reference cases.
///
/// ROOT TEST: needs namespaces. Without the privileges the suite is reported as SKIPPED
/// (not passed); PACKETPATH_REQUIRE_PRIVILEGED=1 makes it fail instead.
@Suite(.enabled(if: Privileges.privilegedTestsEnabled, Comment(rawValue: Privileges.skipComment)))
struct DecodedReadBackTests {
    @Test(arguments: KubeProxyIdentityTests.names)
    func readBackEqualsTheListingAndTheCompiledTable(caseName: String) throws {
        let loaded = try ManifestLoader.load(paths: [KubeProxyIdentityTests.file(caseName, "input.yaml")])
        let rulesets = Pipeline.compileNFTables(loaded.state, families: Pipeline.defaultFamilies(for: loaded.state))
        let compiled = try #require(rulesets.first?.tables.first { $0.name == "kube-proxy" })
        let scratch = try ScratchNamespace(tag: "nftdr")
        defer { scratch.remove() }
        #expect(try NFTablesApplier().apply(rulesets, into: scratch.namespace).outcome == .applied)

        let readBack = try NetlinkNamespaceReader().rulesets(namespace: scratch.name)
        let decoded = try #require(readBack.flatMap(\.tables).first { $0.name == "kube-proxy" })
        let family = compiled.family ?? .ip
        let listing = try scratch.exec(["nft", "list", "table", family.rawValue, "kube-proxy"])
        try #require(listing.status == 0, "nft list failed: \(listing.stderr)")
        let parsed = try #require(try NFTParser(sourceName: "listing").parse(listing.stdout).first?.tables.first)

        let sameAsListed = TableComparison.normalized(decoded) == TableComparison.normalized(parsed)
        #expect(sameAsListed, "read back vs listed: \(TableComparison.firstDifference(decoded, parsed))")
        let sameAsCompiled = TableComparison.normalized(decoded) == TableComparison.normalized(compiled)
        #expect(sameAsCompiled, "read back vs compiled: \(TableComparison.firstDifference(decoded, compiled))")
    }
}
