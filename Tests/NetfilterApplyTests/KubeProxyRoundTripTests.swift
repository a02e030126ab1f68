import ClusterState
import TestSupport
import NetfilterApply
import NetworkAddresses
import NetworkNamespaces
import PacketPath
import Testing

/// The acceptance round trip: every kube-proxy case, compiled and applied over netlink into a
/// fresh namespace, reads back through `iptables-save` exactly as kube-proxy's own rules
/// loaded with `iptables-restore` do.
@Suite(.enabled(if: Privileges.privilegedTestsEnabled, Comment(rawValue: Privileges.skipComment)))
struct KubeProxyRoundTripTests {
    @Test func allThirtyCasesArePresent() {
        #expect(SharedCases.names.count == 30, "expected the 30 shared cases in \(SharedCases.directory)")
    }

    @Test(arguments: SharedCases.names)
    func appliedRulesReadBackAsKubeProxysLiveDump(caseName: String) throws {
        let directory = SharedCases.directory + "/" + caseName
        let loaded = try ManifestLoader.load(paths: [directory + "/input.yaml"])
        let families = Pipeline.defaultFamilies(for: loaded.state)
        #expect(families.count == 1)
        let rulesets = Pipeline.compileServices(loaded.state, families: families)

        let scratch = try ScratchNamespace(tag: "rt")
        defer { scratch.remove() }
        let report = try NetfilterApplier().apply(rulesets, into: scratch.namespace)
        #expect(report.outcome == .applied)

        let save = try scratch.save(ipv6: families == [.ipv6])
        #expect(!save.contains("incompatible"), "iptables-save could not read the rules back:\n\(save)")
        let expected = try SharedCases.read(directory + "/live-iptables-save.txt")
        let actual = withoutBuiltinJumps(save)
        #expect(actual == expected, "first difference: \(firstDifference(actual, expected))")
    }
}
