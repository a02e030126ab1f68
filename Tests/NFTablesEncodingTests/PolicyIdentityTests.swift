import ClusterState
import Foundation
import NetfilterApply
import NetworkNamespaces
import PacketPath
import RuleModel
import Testing
import TestSupport

/// The NetworkPolicy cases (and the shop example) compiled for the nftables backend, policy
/// table included: applied natively (one netlink batch) into one scratch namespace and with
/// `nft -f` of `compile --backend nftables` into another, `nft list ruleset` must be equal.
///
/// ROOT TEST: needs namespaces. Without the privileges the suite is reported as SKIPPED
/// (not passed); PACKETPATH_REQUIRE_PRIVILEGED=1 makes it fail instead.
@Suite(.enabled(if: Privileges.privilegedTestsEnabled, Comment(rawValue: Privileges.skipComment)))
struct PolicyIdentityTests {
    static let cases: [String] = {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: ProjectPaths.netpolCases)) ?? []
        let clusters = names.filter { !$0.hasPrefix(".") && !$0.hasSuffix(".tsv") }.sorted()
            .map { ProjectPaths.netpolCases + "/" + $0 + "/cluster.yaml" }
        return [ProjectPaths.root + "/examples/shop.yaml"] + clusters
    }()

    @Test func everyCaseIsPresentAndHasAPolicyTable() throws {
        #expect(Self.cases.count == 44)
        // A case whose policies isolated no pod would have no policy table and prove nothing here.
        var withTable = 0
        for path in Self.cases {
            let loaded = try ManifestLoader.load(paths: [path])
            let rulesets = Pipeline.compileNFTables(loaded.state, families: Pipeline.defaultFamilies(for: loaded.state))
            if rulesets.contains(where: { $0.tables.contains { $0.name == "packetpath-policy" } }) { withTable += 1 }
        }
        #expect(withTable == 44)
    }

    @Test(arguments: cases)
    func nativeApplyListsAsNFTDashF(path: String) throws {
        try Self.check(try ManifestLoader.load(paths: [path]).state)
    }

    /// No shared case has IPv6 ipBlocks: an open range (`::/0`), a host, prefixes and an
    /// exception set of several, in `ip6 packetpath-policy`.
    @Test func ipv6BlocksListAsNFTDashF() throws {
        let loaded = try ManifestLoader.load(sources: [ManifestSource(name: "v6.yaml", text: Self.ipv6Blocks)])
        try Self.check(loaded.state, ipBlockSets: 5)
    }

    static func check(_ state: ClusterState, ipBlockSets: Int? = nil) throws {
        let families = Pipeline.defaultFamilies(for: state)
        let rulesets = Pipeline.compileNFTables(state, families: families)
        if let ipBlockSets {
            let sets = rulesets.flatMap { $0.tables.flatMap(\.sets) }.filter { $0.flags.contains(.interval) }
            #expect(sets.count == ipBlockSets)
        }

        let native = try ScratchNamespace(tag: "nftpn")
        defer { native.remove() }
        let report = try NFTablesApplier().apply(rulesets, into: native.namespace)
        #expect(report.outcome == .applied)

        let reference = try ScratchNamespace(tag: "nftpr")
        defer { reference.remove() }
        for compiled in try Pipeline.nftText(rulesets) {
            let loadedText = try reference.exec(["nft", "-f", "-"], input: compiled.text.bytes)
            try #require(loadedText.status == 0, "nft -f failed: \(loadedText.stderr)")
        }
        let applied = try native.exec(["nft", "list", "ruleset"])
        let expected = try reference.exec(["nft", "list", "ruleset"])
        try #require(applied.status == 0 && expected.status == 0)
        // Cases that have a policy table must show it, or the equality proves nothing about it.
        let policyTables = rulesets.flatMap { $0.tables.filter { $0.name == "packetpath-policy" }.map { $0.family ?? .ip } }
        for family in policyTables {
            #expect(applied.stdout.contains("table \(family.rawValue) packetpath-policy {"))
        }
        #expect(applied.stdout == expected.stdout,
                "first difference: \(KubeProxyIdentityTests.firstDifference(applied.stdout, expected.stdout))")
    }

    static let ipv6Blocks = """
        apiVersion: v1
        kind: Namespace
        metadata: {name: x, labels: {kubernetes.io/metadata.name: x}}
        ---
        apiVersion: v1
        kind: Pod
        metadata: {name: a, namespace: x, labels: {pod: a}}
        spec:
          containers:
          - {name: server, image: agnhost, ports: [{name: http, containerPort: 80, protocol: TCP}]}
        status: {phase: Running, podIP: "fd00:244:1::10", podIPs: [{ip: "fd00:244:1::10"}]}
        ---
        apiVersion: v1
        kind: Pod
        metadata: {name: b, namespace: x, labels: {pod: b}}
        spec:
          containers: [{name: server, image: agnhost}]
        status: {phase: Running, podIP: "fd00:244:1::11", podIPs: [{ip: "fd00:244:1::11"}]}
        ---
        apiVersion: networking.k8s.io/v1
        kind: NetworkPolicy
        metadata: {name: v6-blocks, namespace: x}
        spec:
          podSelector: {matchLabels: {pod: a}}
          policyTypes: [Ingress, Egress]
          ingress:
          - from:
            - ipBlock: {cidr: "fd00::/8", except: ["fd00:244:1::11/128", "fd00:244:2::/64", "fd00:244:3::/64"]}
            - podSelector: {matchLabels: {pod: b}}
            ports: [{port: http}]
          egress:
          - to:
            - ipBlock: {cidr: "::/0", except: ["fd00::/8"]}
            - ipBlock: {cidr: "2001:db8::/32"}

        """
}
