import Testing
import ClusterState
import RuleModel
import KubeProxyIPTables

/// The packet tracer enters the compiled model through its base chains; these must carry
/// kube-proxy's jump rules with iptables' hooks and priorities.
@Suite struct BuiltinJumpTests {
    @Test func natAndFilterBaseChainsJumpIntoKubeProxyChains() {
        let ruleset = KubeProxyIPTablesCompiler(settings: .testDefaults).compile(ClusterState(), family: .ipv4)
        let nat = ruleset[table: "nat"]!
        let prerouting = nat.chain(named: "PREROUTING")!
        #expect(prerouting.attachment == BaseChainAttachment(hook: .prerouting, priority: -100))
        #expect(prerouting.rules.map(\.verdict) == [.jump("KUBE-SERVICES")])
        #expect(nat.chain(named: "POSTROUTING")?.rules.map(\.verdict) == [.jump("KUBE-POSTROUTING")])
        let forward = ruleset[table: "filter"]!.chain(named: "FORWARD")!
        #expect(forward.attachment?.priority == 0)
        #expect(Set(forward.rules.compactMap(\.verdict)) == [
            .jump("KUBE-PROXY-FIREWALL"), .jump("KUBE-FORWARD"), .jump("KUBE-SERVICES"), .jump("KUBE-EXTERNAL-SERVICES"),
        ])
    }
}
