import NetworkAddresses
import RuleModel

/// Rules written for a run of Service ports: the rules they add to the shared chains, and
/// the chains of their own. Runs are compiled independently and concatenated in order.
struct ServicePortRules {
    var filterServices: [Rule] = []
    var filterExternalServices: [Rule] = []
    var filterNodePorts: [Rule] = []
    var filterProxyFirewall: [Rule] = []
    var natServices: [Rule] = []
    var natNodePorts: [Rule] = []
    var natChains: [Chain] = []

    mutating func append(_ other: ServicePortRules) {
        filterServices += other.filterServices
        filterExternalServices += other.filterExternalServices
        filterNodePorts += other.filterNodePorts
        filterProxyFirewall += other.filterProxyFirewall
        natServices += other.natServices
        natNodePorts += other.natNodePorts
        natChains += other.natChains
    }
}

/// Writes the rules of one Service port exactly as kube-proxy v1.30's iptables proxier does,
/// in its emission order.
struct ServicePortEmitter {
    let clusterCIDR: IPPrefix?
    let masqueradeAll: Bool
    let nodeIP: IPAddress?
    /// More than 1,000 endpoints in total: per-endpoint comments are left out.
    let largeClusterMode: Bool

    private let markMasquerade = Verdict.jump(KubeProxyChains.markMasquerade)

    func emit(_ plan: ServicePortPlan, into out: inout ServicePortRules) {
        let selection = plan.selection
        let name = plan.name
        let hasEndpoints = selection.hasEndpoints
        let usesClusterChain = !selection.clusterEndpoints.isEmpty
        let usesLocalChain = !selection.localEndpoints.isEmpty

        let internalChain = plan.internalPolicyLocal ? plan.localChain : plan.serviceChain
        var hasInternalEndpoints = hasEndpoints
        if plan.internalPolicyLocal && !usesLocalChain { hasInternalEndpoints = false }
        let externalPolicyChain = plan.externalPolicyLocal ? plan.localChain : plan.serviceChain
        var hasExternalEndpoints = hasEndpoints
        if plan.externalPolicyLocal && !usesLocalChain { hasExternalEndpoints = false }
        let usesExternalChain = hasEndpoints && plan.externallyAccessible
        let usesFirewallChain = hasEndpoints && !plan.loadBalancerVIPs.isEmpty && !plan.sourceRanges.isEmpty
        let loadBalancerTarget = usesFirewallChain ? plan.firewallChain : plan.externalChain

        // Why a destination is filtered when it cannot be served.
        let noEndpoints = Comment(name, " has no endpoints")
        let noLocalEndpoints = Comment(name, " has no local endpoints")
        let internalFilter: (Comment, Verdict) = hasEndpoints ? (noLocalEndpoints, .drop) : (noEndpoints, .reject())
        let externalFilter: (Comment, Verdict) = hasEndpoints ? (noLocalEndpoints, .drop) : (noEndpoints, .reject())

        let proto = Match.l4Protocol(plan.l4Protocol)
        let servicePort = Match.destinationPort(PortRange(plan.port))
        func toService(_ comment: Comment, _ address: IPAddress) -> [Match] {
            [.comment(comment), proto, .destination(.host(address)), servicePort]
        }

        // 1. Cluster IP.
        let clusterIPComment = Comment(name, " cluster IP")
        if hasInternalEndpoints {
            out.natServices.append(Rule(toService(clusterIPComment, plan.clusterIP), .jump(internalChain)))
        } else {
            out.filterServices.append(Rule(toService(internalFilter.0, plan.clusterIP), internalFilter.1))
        }

        // 2. External IPs.
        for externalIP in plan.externalIPs {
            if hasEndpoints {
                out.natServices.append(Rule(toService(Comment(name, " external IP"), externalIP), .jump(plan.externalChain)))
            }
            if !hasExternalEndpoints {
                out.filterExternalServices.append(Rule(toService(externalFilter.0, externalIP), externalFilter.1))
            }
        }

        // 3. Load-balancer IPs.
        for vip in plan.loadBalancerVIPs {
            if hasEndpoints {
                out.natServices.append(Rule(toService(Comment(name, " loadbalancer IP"), vip), .jump(loadBalancerTarget)))
            }
            if usesFirewallChain {
                let comment = Comment(name, " traffic not accepted by ", plan.firewallChain.description)
                out.filterProxyFirewall.append(Rule(toService(comment, vip), .drop))
            }
        }
        // 4. Load-balancer IPs that cannot be served from outside.
        if !hasExternalEndpoints {
            for vip in plan.loadBalancerVIPs {
                out.filterExternalServices.append(Rule(toService(externalFilter.0, vip), externalFilter.1))
            }
        }

        // 5. NodePort.
        if plan.nodePort != 0 {
            let nodePort = Match.destinationPort(PortRange(plan.nodePort))
            if hasEndpoints {
                out.natNodePorts.append(Rule([.comment(Comment(name)), proto, nodePort], .jump(plan.externalChain)))
            }
            if !hasExternalEndpoints {
                out.filterExternalServices.append(Rule(
                    [.comment(externalFilter.0), .addressType(.destination, .local), proto, nodePort], externalFilter.1))
            }
        }

        // 6. Health-check node port (LoadBalancer with externalTrafficPolicy Local).
        if plan.healthCheckNodePort != 0 {
            out.filterNodePorts.append(Rule(
                [.comment(Comment(name, " health check node port")), .l4Protocol(.tcp),
                 .destinationPort(PortRange(plan.healthCheckNodePort))], .accept))
        }

        // The service's own chains, keyed by name so rules land in the right one in order.
        var chains: [Chain] = []
        func appendRule(_ rule: Rule, to chain: ChainName) {
            if let index = chains.lastIndex(where: { $0.name == chain }) {
                chains[index].rules.append(rule)
            } else {
                chains.append(Chain(chain, rules: [rule]))
            }
        }

        // 7. Masquerade off-cluster clients of the cluster IP (emitted before the chain's
        //    dispatch rules, which come later).
        if hasInternalEndpoints {
            var matches = toService(clusterIPComment, plan.clusterIP)
            if masqueradeAll {
                appendRule(Rule(matches, markMasquerade), to: internalChain)
            } else if let clusterCIDR {
                matches.append(.source(.prefix(clusterCIDR), negated: true))
                appendRule(Rule(matches, markMasquerade), to: internalChain)
            }
        }

        // 8. The external-traffic chain.
        if usesExternalChain {
            var rules: [Rule] = []
            if !plan.externalPolicyLocal {
                rules.append(Rule([.comment(Comment("masquerade traffic for ", name, " external destinations"))],
                                  markMasquerade))
            } else {
                if let clusterCIDR {
                    rules.append(Rule([.comment(Comment("pod traffic for ", name, " external destinations")),
                                       .source(.prefix(clusterCIDR))], .jump(plan.serviceChain)))
                }
                rules.append(Rule([.comment(Comment("masquerade LOCAL traffic for ", name, " external destinations")),
                                   .addressType(.source, .local)], markMasquerade))
                rules.append(Rule([.comment(Comment("route LOCAL traffic for ", name, " external destinations")),
                                   .addressType(.source, .local)], .jump(plan.serviceChain)))
            }
            if hasExternalEndpoints {
                rules.append(Rule([], .jump(externalPolicyChain)))
            }
            chains.append(Chain(plan.externalChain, rules: rules))
        }

        // 9. The load-balancer source-range firewall chain.
        if usesFirewallChain {
            let comment = Match.comment(Comment(name, " loadbalancer IP"))
            var rules = plan.sourceRanges.map { Rule([comment, .source(.prefix($0))], .jump(plan.externalChain)) }
            if let nodeIP, plan.sourceRanges.contains(where: { $0.contains(nodeIP) }) {
                rules += plan.loadBalancerVIPs.map { Rule([comment, .source(.host($0))], .jump(plan.externalChain)) }
            }
            rules.append(Rule([.comment(Comment("other traffic to ", name, " will be dropped by KUBE-PROXY-FIREWALL"))], nil))
            chains.append(Chain(plan.firewallChain, rules: rules))
        }

        // 10./11. Dispatch from the policy chains to the endpoints.
        if usesClusterChain {
            for rule in dispatchRules(plan, selection.clusterEndpoints) { appendRule(rule, to: plan.serviceChain) }
        }
        if usesLocalChain {
            for rule in dispatchRules(plan, selection.localEndpoints) { appendRule(rule, to: plan.localChain) }
        }

        // 12. One chain per reachable endpoint: hairpin masquerade, then DNAT.
        for index in selection.reachableEndpoints {
            let endpoint = plan.endpoints[index]
            let comment: [Match] = largeClusterMode ? [] : [.comment(Comment(name))]
            var dnatMatches = comment
            if plan.affinitySeconds != nil {
                dnatMatches.append(.recent(name: endpoint.chain, .set))
            }
            dnatMatches.append(proto)
            chains.append(Chain(endpoint.chain, rules: [
                Rule(comment + [.source(.host(endpoint.address))], markMasquerade),
                Rule(dnatMatches, .dnat(endpoint.address, port: endpoint.port)),
            ]))
        }

        out.natChains += chains
    }

    /// Session-affinity checks first (when enabled), then one probability step per endpoint:
    /// endpoint i of n is taken with probability 1/(n-i), the last one unconditionally.
    private func dispatchRules(_ plan: ServicePortPlan, _ endpoints: [Int]) -> [Rule] {
        var rules: [Rule] = []
        rules.reserveCapacity(endpoints.count * (plan.affinitySeconds == nil ? 1 : 2))
        let comments: [[Match]] = endpoints.map { index in
            largeClusterMode ? [] : [.comment(Comment(plan.name, " -> ", plan.endpoints[index].endpointString))]
        }
        if let seconds = plan.affinitySeconds {
            for (position, index) in endpoints.enumerated() {
                let chain = plan.endpoints[index].chain
                rules.append(Rule(comments[position] + [.recent(name: chain, .check(seconds: seconds, reap: true))],
                                  .jump(chain)))
            }
        }
        for (position, index) in endpoints.enumerated() {
            var matches = comments[position]
            if position < endpoints.count - 1 {
                matches.append(.statistic(.oneIn(endpoints.count - position)))
            }
            rules.append(Rule(matches, .jump(plan.endpoints[index].chain)))
        }
        return rules
    }
}
