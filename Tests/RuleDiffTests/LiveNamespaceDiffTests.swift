import Testing
import TestSupport
import NetworkNamespaces
import NetfilterApply
import PacketPath
import RuleDiff

/// `netns:NAME` sides: rules restored into a scratch namespace and read back over netlink
/// (applied rules: `NetlinkReadBackTests`).
@Suite(.enabled(if: Privileges.privilegedTestsEnabled, Comment(rawValue: Privileges.skipComment)))
struct LiveNamespaceDiffTests {
    @Test(arguments: ["upstream-overall-scenario", "ipv6-clusterip-nodeport"])
    func manifestsMatchRulesRestoredIntoANamespace(caseName: String) throws {
        let scratch = try ScratchNamespace(tag: "diff")
        defer { scratch.remove() }
        let restore = caseName.hasPrefix("ipv6") ? "ip6tables-restore" : "iptables-restore"
        let loaded = try scratch.exec([restore], input: Array(try SharedCases.text(caseName, "kube-proxy.iptables-save").utf8))
        try #require(loaded.succeeded, "\(loaded.stderr)")
        let loader = SideLoader(liveReader: NetlinkNamespaceReader())
        let live = try loader.load(.namespace(scratch.name))
        let manifests = try loader.load(.paths([SharedCases.path(caseName, "input.yaml")]))
        let report = Review.diff(manifests, live)
        #expect(report.isEmpty, "\(report.text)")
        #expect(report.sideB == "live rules of netns:\(scratch.name)")

        // A rule added on the node shows up as drift.
        let table = "nat"
        let added = try scratch.exec([restore == "iptables-restore" ? "iptables" : "ip6tables", "-t", table, "-A", "KUBE-SERVICES", "-p", "udp", "--dport", "9", "-j", "RETURN"])
        try #require(added.succeeded, "\(added.stderr)")
        let after = Review.diff(manifests, try loader.load(.namespace(scratch.name)))
        #expect(after.differenceCount == 1)
        #expect(after.families.first?.chains.first?.onlyInB == ["-p udp -m udp --dport 9 -j RETURN"])
    }

    @Test func missingNamespaceIsAnError() {
        #expect(throws: SideError.self) {
            try NetlinkNamespaceReader().rulesets(namespace: "pp-no-such-namespace-\(UInt32.random(in: 0...UInt32.max))")
        }
    }

    @Test(arguments: ["../../proc/1/ns/net", "a/b", "..", ""])
    func pathsAreNotNamespaceNames(name: String) {
        let error = #expect(throws: SideError.self) {
            try NetlinkNamespaceReader().rulesets(namespace: name)
        }
        #expect(error?.description == "netns:\(name): not a namespace name (as `ip netns list` shows them)")
    }
}
