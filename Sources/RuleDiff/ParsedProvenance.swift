import KubeProxyIPTables
import KubeProxyNFTables
import NetworkAddresses
import PolicyIPTables
import PolicyNFTables
import RuleModel

/// The one place where rules read back from a dump (iptables-save or nft text, a namespace)
/// get the provenance the layouts give compiled rules, from what a dump still shows. It is the
/// reader of kube-proxy's format, so it alone reads kube-proxy's names and comments: for
/// iptables, the chain names (KUBE-SVC/SVL/EXT/FW/SEP + the hash of the Service port), the
/// comments, the chains that jump to a chain, and PacketPath's policy chain prefix; for
/// nftables, the chain names (`service-HASH-ns/name/proto/port`, ...), the shared maps'
/// elements and their comments, and PacketPath's policy table. Chains, rules and elements that
/// already carry provenance are left as they are, so a compiled ruleset passes through unchanged.
public enum ParsedProvenance {
    /// `ruleset` with provenance on every chain, shared-chain rule and entry-point map element
    /// it can be worked out for. `names` adds Service-port names the dump's comments may lack
    /// (e.g. from manifests).
    public static func attributed(_ ruleset: Ruleset, names: ServicePortNames = ServicePortNames()) -> Ruleset {
        var names = names
        addNames(in: ruleset, to: &names)
        var result = ruleset
        for index in result.tables.indices {
            switch (result.tables[index].family, result.tables[index].name) {
            case (nil, _): IPTablesDump.attribute(&result.tables[index], names: names)
            case (_, KubeProxyNFTablesNaming.table): NFTablesDump.attribute(&result.tables[index])
            case (_, PolicyNFTNames.table): NFTablesDump.attributePolicyTable(&result.tables[index])
            default: break
            }
        }
        return result
    }

    /// Service-port names a ruleset shows: in kube-proxy's iptables comments, and on compiled chains.
    public static func addNames(in ruleset: Ruleset, to names: inout ServicePortNames) {
        for table in ruleset.tables {
            for chain in table.chains {
                if let source = table.provenance(of: chain)?.servicePort { names.add(source.name) }
                guard table.family == nil, chain.name.hasPrefix(IPTablesDump.kubeProxyPrefix) else { continue }
                for rule in chain.rules {
                    if let source = table.provenance(rule.provenanceID)?.servicePort {
                        names.add(source.name)
                    } else if let comment = rule.comment, let name = KubeProxyComments.servicePortName(in: comment.description) {
                        names.add(name)
                    }
                }
            }
        }
    }

    static func protocolOf(_ rules: [Rule]) -> L4Protocol? {
        for rule in rules {
            for case .l4Protocol(let proto) in rule.matches { return proto }
        }
        return nil
    }

    /// The endpoint a SEP chain DNATs to, spelled as kube-proxy spells endpoints (`IP:port`,
    /// `[IPv6]:port`).
    static func endpoint(of chain: Chain) -> String? {
        for rule in chain.rules {
            if case .dnat(let address, let port)? = rule.verdict {
                guard let port else { return address.description }
                return address.family == .ipv6 ? "[\(address)]:\(port)" : "\(address):\(port)"
            }
        }
        return nil
    }
}
