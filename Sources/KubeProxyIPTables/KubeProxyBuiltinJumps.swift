import NetworkAddresses
import RuleModel
import ServiceCompiler

/// kube-proxy restores its chains with `iptables-restore` and adds the jumps from the
/// built-in chains (`PREROUTING -j KUBE-SERVICES`, …) separately, so a dump of the restore
/// payload alone has empty built-in chains and a packet walked through it meets no rule.
/// This puts those jumps back, exactly as kube-proxy ensures them.
public enum KubeProxyBuiltinJumps {
    /// `ruleset` with kube-proxy's jumps in the built-in chains of its `filter` and `nat`
    /// tables, when every built-in chain there is empty and the table holds kube-proxy's
    /// chains; nil when nothing had to be added.
    public static func restored(_ ruleset: Ruleset) -> Ruleset? {
        var result = ruleset
        var changed = false
        for index in result.tables.indices {
            let table = result.tables[index]
            guard table.family == nil, [KubeProxyChains.filterTable, KubeProxyChains.natTable].contains(table.name),
                  table.chains.contains(where: { $0.name.hasPrefix("KUBE-") }),
                  !table.chains.contains(where: { $0.isBase && !$0.rules.isEmpty }) else { continue }
            let localhostFirewall = table.chains.contains { $0.name == KubeProxyChains.firewall && !$0.rules.isEmpty }
            let fixed = FixedRules(family: ruleset.family, mark: MarkValue(0x4000), randomFully: false, conntrackTCPLiberal: false,
                                   localhostNodePorts: localhostFirewall, nodePortAddresses: nil)
            for (hook, rules) in fixed.builtinJumps(table: table.name) {
                let name = ChainName(hook.rawValue)
                if let position = result.tables[index].chains.firstIndex(where: { $0.name == name }) {
                    result.tables[index].chains[position].rules = rules
                    if result.tables[index].chains[position].attachment == nil {
                        result.tables[index].chains[position].attachment = KubeProxyChains.builtinAttachment(table: table.name, chain: hook)
                    }
                } else {
                    result.tables[index].chains.insert(
                        Chain(name, rules: rules, attachment: KubeProxyChains.builtinAttachment(table: table.name, chain: hook)), at: 0)
                }
                changed = true
            }
        }
        return changed ? result : nil
    }
}
