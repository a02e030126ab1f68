import KubeProxyIPTables
import NetworkAddresses
import PolicyIPTables
import RuleModel

/// Provenance of an iptables dump's chains and rules, from kube-proxy's chain names and
/// comments (`ParsedProvenance`).
enum IPTablesDump {
    static let kubeProxyPrefix = "KUBE-"

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

    static func attribute(_ table: inout Table, names: ServicePortNames) {
        // Rules that jump to each chain, for naming a chain from its callers.
        var callers: [ChainName: [(from: Int, rule: Rule)]] = [:]
        for (position, chain) in table.chains.enumerated() {
            for rule in chain.rules {
                for target in rule.verdict?.targetChains ?? [] { callers[target, default: []].append((position, rule)) }
            }
        }
        // Service-port chains first: endpoint chains are then named from the chains jumping to them.
        for position in table.chains.indices where table.chains[position].provenanceID.isNone {
            let chain = table.chains[position]
            if chain.name.hasPrefix(PolicyIPTablesNames.chainPrefix) {
                table.setProvenance(.networkPolicy(nil), ofChainAt: position)
                continue
            }
            guard let (part, suffix) = servicePortPart(ofChainNamed: chain.name), !isEndpoint(part) else { continue }
            if let found = names.servicePort(forHash: suffix) {
                table.setProvenance(.servicePort(ServicePortSource(name: found.name, l4Protocol: found.proto), part), ofChainAt: position)
            } else if let name = commentName(chain.rules) ?? commentName((callers[chain.name] ?? []).map(\.rule)) {
                table.setProvenance(.servicePort(ServicePortSource(name: name, l4Protocol: ParsedProvenance.protocolOf(chain.rules)), part),
                                    ofChainAt: position)
            }
        }
        for position in table.chains.indices where table.chains[position].provenanceID.isNone {
            let chain = table.chains[position]
            guard let (part, suffix) = servicePortPart(ofChainNamed: chain.name), isEndpoint(part) else { continue }
            let proto = ParsedProvenance.protocolOf(chain.rules)
            if let name = commentName(chain.rules) {
                table.setProvenance(.servicePort(ServicePortSource(name: name, l4Protocol: proto), part), ofChainAt: position)
                continue
            }
            // Large-cluster mode drops SEP comments: take the owner of the dispatch chains
            // jumping here, or the Service port whose hash with this endpoint gives the name.
            var callerOwner: ServicePortSource?
            for caller in callers[chain.name] ?? [] where callerOwner == nil {
                callerOwner = table.provenance(of: table.chains[caller.from])?.servicePort
            }
            if let owner = callerOwner {
                table.setProvenance(.servicePort(ServicePortSource(name: owner.name, l4Protocol: owner.l4Protocol ?? proto), part),
                                    ofChainAt: position)
            } else if let endpoint = ParsedProvenance.endpoint(of: chain), let proto,
                      let name = names.names.sorted().first(where: {
                          ServicePortNames.isEndpointHash(suffix, name: $0, proto: proto, endpoint: endpoint)
                      }) {
                table.setProvenance(.servicePort(ServicePortSource(name: name, l4Protocol: proto), part), ofChainAt: position)
            }
        }
        // Rules of kube-proxy's shared chains (KUBE-SERVICES, KUBE-NODEPORTS, ...): by their
        // comment, else by the Service-port chain they jump to. Other chains' comments
        // (NetworkPolicy chains name pods and policies as `namespace/name`) say nothing about Services.
        var ownerByName: [ChainName: ServicePortSource] = [:]
        for chain in table.chains {
            if let source = table.provenance(of: chain)?.servicePort, ownerByName[chain.name] == nil { ownerByName[chain.name] = source }
        }
        for position in table.chains.indices where isSharedKubeProxyChain(table.chains[position]) {
            for ruleIndex in table.chains[position].rules.indices where table.chains[position].rules[ruleIndex].provenanceID.isNone {
                let rule = table.chains[position].rules[ruleIndex]
                var source: ServicePortSource?
                if let comment = rule.comment, let name = KubeProxyComments.servicePortName(in: comment.description) {
                    source = ServicePortSource(name: name, l4Protocol: ParsedProvenance.protocolOf([rule]))
                } else {
                    source = (rule.verdict?.targetChains ?? []).lazy.compactMap { ownerByName[$0] }.first
                }
                guard let source, let entryPoint = entryPoint(of: rule, in: table.chains[position], source: source) else { continue }
                table.setProvenance(.servicePort(source, .entry(entryPoint)), ofRule: ruleIndex, inChainAt: position)
            }
        }
    }

    /// Which way into its Service port a shared-chain rule is: the comment says so (`… cluster
    /// IP`, `… external IP`, `… loadbalancer IP`, the bare name of a NodePort rule), else the
    /// rule's matches (a local destination address is a NodePort) and the chain it jumps to.
    /// A filter rule for a port without endpoints names no kind: outside KUBE-SERVICES (cluster
    /// IPs) it may be either an external or a load-balancer IP.
    static func entryPoint(of rule: Rule, in chain: Chain, source: ServicePortSource) -> EntryPoint? {
        let comment = rule.comment?.description ?? ""
        let rest = comment.hasPrefix(source.name) ? comment.dropFirst(source.name.count) : Substring(comment)
        switch rest {
        case " cluster IP": return .clusterIP
        case " external IP": return .externalIP
        case " loadbalancer IP": return .loadBalancerIP
        case " health check node port": return .healthCheckNodePort
        default: break
        }
        if rest.hasPrefix(" traffic not accepted by ") { return .loadBalancerIP }
        var hasAddress = false
        for match in rule.matches {
            switch match {
            case .addressType(.destination, .local, false): return .nodePort
            case .destination(_, false): hasAddress = true
            default: break
            }
        }
        if !hasAddress { return rest.isEmpty && !comment.isEmpty || chain.name == KubeProxyChains.nodePorts ? .nodePort : nil }
        // Without a comment, the chain a jump goes to tells cluster IPs from the others.
        if let target = rule.verdict?.targetChains.first, let (part, _) = servicePortPart(ofChainNamed: target) {
            switch part {
            case .clusterDispatch, .localDispatch: return .clusterIP
            case .firewall: return .loadBalancerIP
            case .external: return .externalOrLoadBalancerIP
            default: break
            }
        }
        // Filter rules for ports without endpoints: KUBE-SERVICES holds the cluster IPs'.
        return chain.name == KubeProxyChains.services ? .clusterIP : .externalOrLoadBalancerIP
    }

    /// kube-proxy's chains shared by every Service port (not the per-port ones).
    private static func isSharedKubeProxyChain(_ chain: Chain) -> Bool {
        chain.provenanceID.isNone && chain.name.hasPrefix(kubeProxyPrefix) && servicePortPart(ofChainNamed: chain.name) == nil
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
}
