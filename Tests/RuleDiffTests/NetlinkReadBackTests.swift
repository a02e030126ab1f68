import ClusterState
import IPTablesText
import NetfilterApply
import NetworkAddresses
import NetworkNamespaces
import PacketPath
import TestSupport
import RuleDiff
import RuleModel
import Testing

/// The netlink read-back end to end: rules put into a scratch namespace (by `NetfilterApplier`
/// or by plain `iptables-restore`) are read with `NetlinkNamespaceReader`, which must give
/// exactly what the iptables-save parser makes of `iptables-save`'s dump of that namespace,
/// and no difference from the manifests they came from.
@Suite(.enabled(if: Privileges.privilegedTestsEnabled, Comment(rawValue: Privileges.skipComment)))
struct NetlinkReadBackTests {
    @Test func allReferenceCasesArePresent() {
        #expect(SharedCases.names.count == 30)
        #expect(SharedCases.netpolNames.count == 43)
    }

    /// Reads the namespace over netlink and through iptables-save, checks the two agree, and
    /// returns the netlink side.
    static func readBack(_ scratch: ScratchNamespace) throws -> LoadedSide {
        let side = try SideLoader(liveReader: NetlinkNamespaceReader()).load(.namespace(scratch.name))
        guard case .rules(let readBack) = side.content else { throw SideError("not rules") }
        let saved = try SavedRules.rulesets(ipv4: try scratch.exec(["iptables-save"]).stdout,
                                            ipv6: try scratch.exec(["ip6tables-save"]).stdout)
        #expect(readBack == saved, "\(SavedRules.firstDifference(readBack, saved))")
        #expect(!readBack.isEmpty)
        return side
    }

    /// Applies the manifests' compiled rules, reads them back, diffs them against the manifests.
    static func applyAndCompare(_ manifests: String, families: [IPFamily]? = nil) throws {
        let loader = SideLoader(liveReader: nil)
        let side = try loader.load(.paths([manifests]))
        let state = try #require(side.cluster?.state)
        let rulesets = Pipeline.compile(state, families: families ?? Pipeline.defaultFamilies(for: state))
        let scratch = try ScratchNamespace(tag: "rb")
        defer { scratch.remove() }
        _ = try NetfilterApplier().apply(rulesets, into: scratch.namespace)
        let live = try readBack(scratch)
        #expect(live.rulesets().map(\.family) == rulesets.map(\.family))
        let report = Review.diff(side, live)
        #expect(report.isEmpty, "\(report.text)")
        // Applied rules include the jumps from the built-in chains, so those are compared too.
        #expect(report.notes.isEmpty, "\(report.notes)")
    }

    @Test(arguments: SharedCases.names)
    func appliedKubeProxyCase(caseName: String) throws {
        try Self.applyAndCompare(SharedCases.path(caseName, "input.yaml"))
    }

    @Test(arguments: SharedCases.names)
    func kubeProxysOwnRulesLoadedWithIPTablesRestore(caseName: String) throws {
        let scratch = try ScratchNamespace(tag: "rr")
        defer { scratch.remove() }
        let manifests = try SideLoader(liveReader: nil).load(.paths([SharedCases.path(caseName, "input.yaml")]))
        let state = try #require(manifests.cluster?.state)
        let restore = Pipeline.defaultFamilies(for: state) == [.ipv6] ? "ip6tables-restore" : "iptables-restore"
        let loaded = try scratch.exec([restore], input: Array(try SharedCases.text(caseName, "kube-proxy.iptables-save").utf8))
        try #require(loaded.succeeded, "\(loaded.stderr)")
        let live = try Self.readBack(scratch)
        let report = Review.diff(manifests, live)
        #expect(report.isEmpty, "\(report.text)")
    }

    @Test func shopExampleInBothFamilies() throws {
        try Self.applyAndCompare(SharedCases.example, families: [.ipv4, .ipv6])
    }

    @Test(arguments: SharedCases.netpolNames)
    func appliedNetworkPolicyCase(caseName: String) throws {
        try Self.applyAndCompare(SharedCases.netpolDirectory + "/" + caseName + "/cluster.yaml")
    }

    /// What was put there by the applier comes back as the compiled model itself, up to what
    /// the kernel does not keep (option order and spellings).
    @Test func shopRulesComeBackAsCompiledUpToSpelling() throws {
        let state = try #require(try SideLoader(liveReader: nil).load(.paths([SharedCases.example])).cluster?.state)
        let compiled = Pipeline.compile(state, families: [.ipv4, .ipv6])
        let scratch = try ScratchNamespace(tag: "rbm")
        defer { scratch.remove() }
        _ = try NetfilterApplier().apply(compiled, into: scratch.namespace)
        let readBack = try NetlinkNamespaceReader().rulesets(namespace: scratch.name)
        for (original, read) in zip(compiled, readBack) {
            #expect(original.family == read.family)
            for table in original.tables {
                let readTable = try #require(read[table: table.name])
                for chain in table.chains {
                    let readChain = try #require(readTable.chain(named: chain.name), "\(table.name) \(chain.name)")
                    let expected = try chain.rules.map { try IPTablesSaveWriter.ruleText($0, family: original.family) }
                    let actual = try readChain.rules.map { try IPTablesSaveWriter.ruleText($0, family: read.family) }
                    #expect(actual == expected, "\(original.family) \(table.name) \(chain.name)")
                }
            }
        }
    }
}
