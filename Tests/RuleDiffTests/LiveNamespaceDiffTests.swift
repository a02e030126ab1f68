import Testing
import ReviewTestSupport
import NetworkNamespaces
import NetfilterApply
import PacketPath
import RuleDiff

/// `netns:NAME` sides: rules restored into a scratch namespace and read back.
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
}

/// Rules programmed over netlink (`packetpath apply`) read back over netlink: the
/// netns:NAME side of a diff against the manifests they came from.
@Suite(.enabled(if: Privileges.privilegedTestsEnabled, Comment(rawValue: Privileges.skipComment)))
struct AppliedNamespaceDiffTests {
    static let example: String = {
        var components = #filePath.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        components.removeLast(3)
        return components.joined(separator: "/") + "/examples/shop.yaml"
    }()

    @Test func appliedRulesMatchTheirManifests() throws {
        let scratch = try ScratchNamespace(tag: "dapp")
        defer { scratch.remove() }
        let loader = SideLoader(liveReader: NetlinkNamespaceReader())
        let manifests = try loader.load(.paths([Self.example]))
        let state = try #require(manifests.cluster?.state)
        _ = try NetfilterApplier().apply(Pipeline.compile(state, families: [.ipv4, .ipv6]), into: scratch.namespace)
        let report = Review.diff(manifests, try loader.load(.namespace(scratch.name)))
        #expect(report.isEmpty, "\(report.text)")
        #expect(report.families.map(\.family) == ["IPv4", "IPv6"])
        // Applied rules include kube-proxy's jumps, so built-in chains are compared too.
        #expect(report.notes.isEmpty)
    }
}
