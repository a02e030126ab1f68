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

    /// The table is read over netlink and decoded: a rule the model has no form for (another
    /// tool's interface match) is not skipped — the diff refuses, naming chain and rule.
    @Test func aRuleTheModelCannotHoldIsNamedNotSkipped() throws {
        let name = "clusterip-1-endpoints"
        let scratch = try ScratchNamespace(tag: "rvnfx")
        defer { scratch.remove() }
        let loaded = try scratch.exec(["nft", "-f", SharedCases.path(name, "kube-proxy.nft")])
        try #require(loaded.status == 0, "\(loaded.stderr)")
        let foreign = try scratch.exec(["nft", "insert", "rule", "ip", "kube-proxy", "services", "iifname", "eth9", "drop"])
        try #require(foreign.status == 0, "\(foreign.stderr)")

        let diff = try HostCommand.run([ProjectPaths.binary, "diff", SharedCases.path(name, "input.yaml"), "netns:\(scratch.name)"])
        #expect(diff.status == 2, "\(diff.stdout)\(diff.stderr)")
        #expect(diff.stderr.contains("table ip kube-proxy: 1 object cannot be read"), "\(diff.stderr)")
        #expect(diff.stderr.contains("chain services rule 1:"), "\(diff.stderr)")
    }
}
