import NetworkNamespaces
import TestSupport
import Testing

/// `netns:NAME` holding kube-proxy's nftables table (loaded with `nft -f` from a reference
/// case): `diff` against the case's manifests and against its iptables dump.
@Suite(.enabled(if: Privileges.privilegedTestsEnabled, Comment(rawValue: Privileges.skipComment)))
struct NFTNamespaceDiffTests {
    @Test func aNamespaceLoadedWithTheNFTScriptMatchesItsManifestsAndItsIPTablesDump() throws {
        let name = "session-affinity-clientip"
        let scratch = try ScratchNamespace(tag: "rvnft")
        defer { scratch.remove() }
        let loaded = try scratch.exec(["nft", "-f", SharedCases.path(name, "kube-proxy.nft")])
        try #require(loaded.status == 0, "\(loaded.stderr)")

        let manifests = try HostCommand.run([ProjectPaths.binary, "diff", SharedCases.path(name, "input.yaml"), "netns:\(scratch.name)"])
        #expect(manifests.status == 0, "\(manifests.stdout)\(manifests.stderr)")
        #expect(manifests.stdout.contains("behaviour diff"), "\(manifests.stdout)")
        #expect(manifests.stdout.contains("every Service port behaves the same"), "\(manifests.stdout)")

        let migration = try HostCommand.run([ProjectPaths.binary, "diff", SharedCases.path(name, "live-iptables-save.txt"),
                                             "netns:\(scratch.name)"])
        #expect(migration.status == 0, "\(migration.stdout)\(migration.stderr)")
        #expect(migration.stdout.contains("migration diff"), "\(migration.stdout)")

        // An endpoint's chain emptied in the live table: the Service is named.
        let endpoint = try #require(try SharedCases.text(name, "kube-proxy.nft").split(separator: "\n")
            .first { $0.hasPrefix("add chain ip kube-proxy endpoint-") }?.split(separator: " ").last)
        let flushed = try scratch.exec(["nft", "flush", "chain", "ip", "kube-proxy", String(endpoint)])
        try #require(flushed.status == 0, "\(flushed.stderr)")
        let drift = try HostCommand.run([ProjectPaths.binary, "diff", SharedCases.path(name, "input.yaml"), "netns:\(scratch.name)"])
        #expect(drift.status == 1, "\(drift.stdout)\(drift.stderr)")
        #expect(drift.stdout.contains("Service ports that behave differently: prod/sticky:http"), "\(drift.stdout)")
    }
}
