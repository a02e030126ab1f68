import KubeProxyIPTables
import NetworkAddresses
import PolicyIPTables
import RuleModel

/// The one place where rules read back from a dump (iptables-save text, a namespace) get the
/// provenance the layouts give compiled rules, from what a dump still shows: kube-proxy's chain
/// names (KUBE-SVC/SVL/EXT/FW/SEP + the hash of the Service port), its comments, the chains
/// that jump to a chain, and PacketPath's policy chain prefix. Chains and rules that already
/// carry provenance are left as they are, so a compiled ruleset passes through unchanged.
public enum ParsedProvenance {
    /// `ruleset` with provenance on every chain and shared-chain rule it can be worked out for.
    /// `names` adds Service-port names the dump's comments may lack (e.g. from manifests).
    public static func attributed(_ ruleset: Ruleset, names: ServicePortNames = ServicePortNames()) -> Ruleset {
        var names = names
        addNames(in: ruleset, to: &names)
        var result = ruleset
        for index in result.tables.indices { attribute(&result.tables[index], names: names) }
        return result
    }

    /// Service-port names a ruleset shows: in kube-proxy's comments, and on compiled chains.
    public static func addNames(in ruleset: Ruleset, to names: inout ServicePortNames) {
        for table in ruleset.tables {
            for chain in table.chains {
                if let source = chain.provenance?.servicePort { names.add(source.name) }
                guard chain.name.hasPrefix(kubeProxyPrefix) else { continue }
                for rule in chain.rules {
                    if let source = rule.provenance?.servicePort {
                        names.add(source.name)
                    } else if let comment = rule.comment, let name = KubeProxyComments.servicePortName(in: comment.description) {
                        names.add(name)
                    }
                }
            }
        }
    }

    private static let kubeProxyPrefix = "KUBE-"

    /// kube-proxy's per-Service-port chain prefixes and the part each stands for.
    private static let servicePortPrefixes: [(String, ServicePortPart)] = [
        ("KUBE-SVC-", .clusterDispatch), ("KUBE-SVL-", .localDispatch), ("KUBE-EXT-", .external),
        ("KUBE-FW-", .firewall), ("KUBE-SEP-", .endpoint(-1)),
    ]

    /// The part and hash suffix of a per-Service-port chain name, nil for any other chain.
    static func servicePortPart(ofChainNamed name: ChainName) -> (ServicePortPart, String)? {
        let text = name.description
        for (prefix, part) in servicePortPrefixes where text.hasPrefix(prefix) {
            return (part, String(text.dropFirst(prefix.count)))
        }
        return nil
    }

    private static func attribute(_ table: inout Table, names: ServicePortNames) {
        // Rules that jump to each chain, for naming a chain from its callers.
        var callers: [ChainName: [(from: Int, rule: Rule)]] = [:]
        for (position, chain) in table.chains.enumerated() {
            for rule in chain.rules {
                for target in rule.verdict?.targetChains ?? [] { callers[target, default: []].append((position, rule)) }
            }
        }
        // Service-port chains first: endpoint chains are then named from the chains jumping to them.
        for position in table.chains.indices where table.chains[position].provenance == nil {
            let chain = table.chains[position]
            if chain.name.hasPrefix(PolicyIPTablesNames.chainPrefix) {
                table.chains[position].provenance = .networkPolicy(nil)
                continue
            }
            guard let (part, suffix) = servicePortPart(ofChainNamed: chain.name), !isEndpoint(part) else { continue }
            if let found = names.servicePort(forHash: suffix) {
                table.chains[position].provenance = .servicePort(ServicePortSource(name: found.name, l4Protocol: found.proto), part)
            } else if let name = commentName(chain.rules) ?? commentName((callers[chain.name] ?? []).map(\.rule)) {
                table.chains[position].provenance = .servicePort(ServicePortSource(name: name, l4Protocol: protocolOf(chain.rules)), part)
            }
        }
        for position in table.chains.indices where table.chains[position].provenance == nil {
            let chain = table.chains[position]
            guard let (part, suffix) = servicePortPart(ofChainNamed: chain.name), isEndpoint(part) else { continue }
            let proto = protocolOf(chain.rules)
            if let name = commentName(chain.rules) {
                table.chains[position].provenance = .servicePort(ServicePortSource(name: name, l4Protocol: proto), part)
                continue
            }
            // Large-cluster mode drops SEP comments: take the owner of the dispatch chains
            // jumping here, or the Service port whose hash with this endpoint gives the name.
            var callerOwner: ServicePortSource?
            for caller in callers[chain.name] ?? [] where callerOwner == nil {
                callerOwner = table.chains[caller.from].provenance?.servicePort
            }
            if let owner = callerOwner {
                table.chains[position].provenance = .servicePort(
                    ServicePortSource(name: owner.name, l4Protocol: owner.l4Protocol ?? proto), part)
            } else if let endpoint = endpoint(of: chain), let proto,
                      let name = names.names.sorted().first(where: {
                          ServicePortNames.isEndpointHash(suffix, name: $0, proto: proto, endpoint: endpoint)
                      }) {
                table.chains[position].provenance = .servicePort(ServicePortSource(name: name, l4Protocol: proto), part)
            }
        }
        // Rules of kube-proxy's shared chains (KUBE-SERVICES, KUBE-NODEPORTS, ...): by their
        // comment, else by the Service-port chain they jump to. Other chains' comments
        // (NetworkPolicy chains name pods and policies as `namespace/name`) say nothing about Services.
        let ownerByName = Dictionary(table.chains.compactMap { chain in chain.provenance?.servicePort.map { (chain.name, $0) } },
                                     uniquingKeysWith: { first, _ in first })
        for position in table.chains.indices where isSharedKubeProxyChain(table.chains[position]) {
            for ruleIndex in table.chains[position].rules.indices where table.chains[position].rules[ruleIndex].provenance == nil {
                let rule = table.chains[position].rules[ruleIndex]
                var source: ServicePortSource?
                if let comment = rule.comment, let name = KubeProxyComments.servicePortName(in: comment.description) {
                    source = ServicePortSource(name: name, l4Protocol: protocolOf([rule]))
                } else {
                    source = (rule.verdict?.targetChains ?? []).lazy.compactMap { ownerByName[$0] }.first
                }
                if let source { table.chains[position].rules[ruleIndex].provenance = .servicePort(source, .entry) }
            }
        }
    }

    /// kube-proxy's chains shared by every Service port (not the per-port ones).
    private static func isSharedKubeProxyChain(_ chain: Chain) -> Bool {
        chain.provenance == nil && chain.name.hasPrefix(kubeProxyPrefix) && servicePortPart(ofChainNamed: chain.name) == nil
    }

    private static func isEndpoint(_ part: ServicePortPart) -> Bool {
        if case .endpoint = part { return true }
        return false
    }

    private static func commentName(_ rules: [Rule]) -> String? {
        for rule in rules {
            if let comment = rule.comment, let name = KubeProxyComments.servicePortName(in: comment.description) {
                return name
            }
        }
        return nil
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
