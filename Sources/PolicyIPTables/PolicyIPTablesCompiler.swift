import ClusterState
import NetworkAddresses
import PolicyCompiler
import RuleModel

/// Lays NetworkPolicies (networking.k8s.io/v1), as planned by `PolicyPlan`, out as filter
/// chains beside kube-proxy's.
///
/// Layout, all in the `filter` table, hooked first in FORWARD (routed pod traffic, seen after
/// the nat table's DNAT, so Service traffic is judged on the endpoint) and in INPUT (pods
/// talking to the node):
///
///     FORWARD → PP-FORWARD ─ established/related → RETURN
///                          ├ PP-EGRESS-PODS  ─ -s podIP → PP-POD-E-<pod> ─┐
///                          └ PP-INGRESS-PODS ─ -d podIP → PP-POD-I-<pod> ─┤
///     INPUT   → PP-INPUT   ─ established/related → RETURN, PP-EGRESS-PODS │
///                                                                        ↓
///     PP-POD-x-<pod>: clear the allow bit, then per selecting policy: jump PP-POL-x-<policy>,
///                     RETURN if the bit is set; finally DROP.
///     PP-POL-x-<policy>: one rule per (rule, port, peer) that `goto`s PP-ALLOW (sets the bit);
///                     pod-selector peers go through a shared address-group chain
///                     (PP-SRC-/PP-DST-<members>), ipBlocks with `except` through PP-BLK-*.
///
/// So the rule count grows with isolated pods + policies × peers × ports + the members of the
/// distinct peer groups — never with pods × pods. Allowed traffic continues to the rules after
/// ours (kube-proxy's), denied traffic is dropped. A pod may always reach itself, and traffic
/// the node itself originates is not filtered (kubelet probes must work).
public struct PolicyIPTablesCompiler: Sendable {
    public let settings: NodeSettings

    public init(settings: NodeSettings) {
        self.settings = settings
    }

    /// The mark bit meaning "a policy allowed this packet": bit 16, or 17 if the masquerade
    /// mark uses bit 16.
    public var allowMark: MarkValue {
        let masquerade = MarkValue(parsing: settings.masqueradeMark) ?? MarkValue(0)
        return masquerade.value & 0x10000 == 0 ? MarkValue(0x10000) : MarkValue(0x20000)
    }

    /// Adds the policy chains for `state` to the filter table of `ruleset` and hooks them in
    /// front of everything else in FORWARD and INPUT. Adds nothing when no pod is isolated.
    ///
    /// The table keeps the order its layout gave it (iptables-save's: built-in chains by
    /// hook, then the regular chains); the policy chains follow its regular chains in byte
    /// order, and a built-in chain the table lacks joins the others in hook order.
    public func addPolicies(_ state: ClusterState, to ruleset: inout Ruleset) {
        var builder = PolicyRuleBuilder(plan: PolicyPlan(state, family: ruleset.family), allowMark: allowMark)
        var policyChains = Table("filter", chains: builder.build())
        guard !policyChains.chains.isEmpty else { return }
        policyChains.sortChains(leading: [], groupPrefix: "")

        let tableIndex = ruleset.tables.firstIndex { $0.name == "filter" } ?? {
            ruleset.tables.insert(Table("filter"), at: 0)
            return 0
        }()
        var table = ruleset.tables[tableIndex]
        table.append(policyChains.chains, recordedIn: builder.provenance)
        for (hook, target) in [(Hook.forward, PolicyChains.forward), (Hook.input, PolicyChains.input)] {
            let jump = Rule([.comment("packetpath network policies")], .jump(target))
            if let position = table.chains.firstIndex(where: { $0.attachment?.hook == hook }) {
                table.chains[position].rules.insert(jump, at: 0)
            } else {
                let rank = Hook.allCases.firstIndex(of: hook)!
                let position = table.chains.firstIndex {
                    guard let other = $0.attachment?.hook else { return true }
                    return Hook.allCases.firstIndex(of: other)! > rank
                } ?? table.chains.count
                table.chains.insert(Chain(ChainName(hook.rawValue), rules: [jump],
                                          attachment: BaseChainAttachment(hook: hook, priority: ChainPriority(.filter))),
                                    at: position)
            }
        }
        ruleset.tables[tableIndex] = table
    }
}
