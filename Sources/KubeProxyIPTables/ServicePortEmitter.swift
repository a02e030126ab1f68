import NetworkAddresses
import RuleModel
import ServiceCompiler

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
    /// What the run's rules and chains were laid out for; the IDs carry the run's number.
    var provenance: ProvenanceSegment
    /// Later runs' provenance, appended after this run's, in run order.
    var laterProvenance: [ProvenanceSegment] = []
    /// Match lists shared by the run's rules (not part of the output).
    var shared = SharedMatchLists()

    init(run: Int) {
        provenance = ProvenanceSegment(number: run)
    }

    /// Every run's provenance, in run order: the store of both tables.
    var provenanceStore: ProvenanceStore { ProvenanceStore([provenance] + laterProvenance) }

    mutating func append(_ other: consuming ServicePortRules) {
        laterProvenance.append(other.provenance)
        laterProvenance += other.laterProvenance
        filterServices += other.filterServices
        filterExternalServices += other.filterExternalServices
        filterNodePorts += other.filterNodePorts
        filterProxyFirewall += other.filterProxyFirewall
        natServices += other.natServices
        natNodePorts += other.natNodePorts
        natChains.moveAppending(&other.natChains)
    }
}

/// Match lists that many rules of a run hold alike, made once per run: a rule's matches are
/// a heap array, and in a large cluster 90,000 dispatch rules `[statistic 1/k]` and 100,000
/// DNAT rules `[protocol]` would otherwise cost an allocation (and later a free) each.
struct SharedMatchLists {
    private var oneIn: [[Match]] = []
    /// By protocol, in `L4Protocol.allCases` order.
    private var protocolOnly: [[Match]] = L4Protocol.allCases.map { [.l4Protocol($0)] }

    /// Inlined (the lists are made once, read for every dispatch rule).
    @inline(__always) mutating func statistic(oneIn k: Int) -> [Match] {
        if oneIn.count <= k { makeStatistics(upTo: k) }
        return oneIn[k]
    }

    private mutating func makeStatistics(upTo k: Int) {
        // Indexed by k; slot 0, never asked for, holds 1/1.
        while oneIn.count <= k { oneIn.append([.statistic(.oneIn(max(oneIn.count, 1)))]) }
    }

    func only(_ proto: L4Protocol) -> [Match] {
        switch proto {
        case .tcp: return protocolOnly[0]
        case .udp: return protocolOnly[1]
        case .sctp: return protocolOnly[2]
        }
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

    /// Computed, not stored: a stored Verdict made the emitter a non-trivial value, copied
    /// through its value witness wherever the compiler copies it.
    private var markMasquerade: Verdict { .jump(KubeProxyChains.markMasquerade) }

    func emit(_ plan: ServicePortPlan, into out: inout ServicePortRules) {
        let selection = plan.selection
        let name = plan.name
        let chains = PortChainNames(plan)
        // One source per port, shared by everything laid out for it.
        let source = ServicePortSource(name: name, l4Protocol: plan.l4Protocol)
        let hasEndpoints = selection.hasEndpoints
        let usesClusterChain = !selection.clusterEndpoints.isEmpty
        let usesLocalChain = !selection.localEndpoints.isEmpty

        let internalChain = plan.internalPolicyLocal ? chains.local : chains.service
        var hasInternalEndpoints = hasEndpoints
        if plan.internalPolicyLocal && !usesLocalChain { hasInternalEndpoints = false }
        let externalPolicyChain = plan.externalPolicyLocal ? chains.local : chains.service
        var hasExternalEndpoints = hasEndpoints
        if plan.externalPolicyLocal && !usesLocalChain { hasExternalEndpoints = false }
        let usesExternalChain = hasEndpoints && plan.externallyAccessible
        let usesFirewallChain = hasEndpoints && !plan.loadBalancerVIPs.isEmpty && !plan.sourceRanges.isEmpty
        let loadBalancerTarget = usesFirewallChain ? chains.firewall : chains.external

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
            out.natServices.append(Rule(toService(clusterIPComment, plan.clusterIP), .jump(internalChain),
                                        provenanceID: out.provenance.record(source, .entry(.clusterIP))))
        } else {
            out.filterServices.append(Rule(toService(internalFilter.0, plan.clusterIP), internalFilter.1,
                                           provenanceID: out.provenance.record(source, .entry(.clusterIP))))
        }

        // 2. External IPs.
        let externalEntry = plan.externalIPs.isEmpty ? ProvenanceID.none : out.provenance.record(source, .entry(.externalIP))
        for externalIP in plan.externalIPs {
            if hasEndpoints {
                out.natServices.append(Rule(toService(Comment(name, " external IP"), externalIP), .jump(chains.external),
                                            provenanceID: externalEntry))
            }
            if !hasExternalEndpoints {
                out.filterExternalServices.append(Rule(toService(externalFilter.0, externalIP), externalFilter.1,
                                                       provenanceID: externalEntry))
            }
        }

        // 3. Load-balancer IPs.
        let loadBalancerEntry = plan.loadBalancerVIPs.isEmpty ? ProvenanceID.none
            : out.provenance.record(source, .entry(.loadBalancerIP))
        for vip in plan.loadBalancerVIPs {
            if hasEndpoints {
                out.natServices.append(Rule(toService(Comment(name, " loadbalancer IP"), vip), .jump(loadBalancerTarget),
                                            provenanceID: loadBalancerEntry))
            }
            if usesFirewallChain {
                let comment = Comment(name, " traffic not accepted by ", chains.firewall.description)
                out.filterProxyFirewall.append(Rule(toService(comment, vip), .drop, provenanceID: loadBalancerEntry))
            }
        }
        // 4. Load-balancer IPs that cannot be served from outside.
        if !hasExternalEndpoints {
            for vip in plan.loadBalancerVIPs {
                out.filterExternalServices.append(Rule(toService(externalFilter.0, vip), externalFilter.1, provenanceID: loadBalancerEntry))
            }
        }

        // 5. NodePort.
        if plan.nodePort != 0 {
            let nodePort = Match.destinationPort(PortRange(plan.nodePort))
            let nodePortEntry = out.provenance.record(source, .entry(.nodePort))
            if hasEndpoints {
                out.natNodePorts.append(Rule([.comment(Comment(name)), proto, nodePort], .jump(chains.external),
                                         provenanceID: nodePortEntry))
            }
            if !hasExternalEndpoints {
                out.filterExternalServices.append(Rule(
                    [.comment(externalFilter.0), .addressType(.destination, .local), proto, nodePort], externalFilter.1,
                    provenanceID: nodePortEntry))
            }
        }

        // 6. Health-check node port (LoadBalancer with externalTrafficPolicy Local).
        if plan.healthCheckNodePort != 0 {
            out.filterNodePorts.append(Rule(
                [.comment(Comment(name, " health check node port")), .l4Protocol(.tcp),
                 .destinationPort(PortRange(plan.healthCheckNodePort))], .accept,
                provenanceID: out.provenance.record(source, .entry(.healthCheckNodePort))))
        }

        // 7. Masquerade off-cluster clients of the cluster IP; it goes first in the internal
        //    chain, before the dispatch rules (10./11.).
        var internalMasquerade: Rule? = nil
        if hasInternalEndpoints {
            if masqueradeAll {
                internalMasquerade = Rule(toService(clusterIPComment, plan.clusterIP), markMasquerade)
            } else if let clusterCIDR {
                var matches = toService(clusterIPComment, plan.clusterIP)
                matches.append(.source(.prefix(clusterCIDR), negated: true))
                internalMasquerade = Rule(matches, markMasquerade)
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
                                       .source(.prefix(clusterCIDR))], .jump(chains.service)))
                }
                rules.append(Rule([.comment(Comment("masquerade LOCAL traffic for ", name, " external destinations")),
                                   .addressType(.source, .local)], markMasquerade))
                rules.append(Rule([.comment(Comment("route LOCAL traffic for ", name, " external destinations")),
                                   .addressType(.source, .local)], .jump(chains.service)))
            }
            if hasExternalEndpoints {
                rules.append(Rule([], .jump(externalPolicyChain)))
            }
            out.natChains.append(Chain(chains.external, rules: rules,
                                       provenanceID: out.provenance.record(source, .external)))
        }

        // 9. The load-balancer source-range firewall chain.
        if usesFirewallChain {
            let comment = Match.comment(Comment(name, " loadbalancer IP"))
            var rules = plan.sourceRanges.map { Rule([comment, .source(.prefix($0))], .jump(chains.external)) }
            if let nodeIP, plan.sourceRanges.contains(where: { $0.contains(nodeIP) }) {
                rules += plan.loadBalancerVIPs.map { Rule([comment, .source(.host($0))], .jump(chains.external)) }
            }
            rules.append(Rule([.comment(Comment("other traffic to ", name, " will be dropped by KUBE-PROXY-FIREWALL"))], nil))
            out.natChains.append(Chain(chains.firewall, rules: rules,
                                       provenanceID: out.provenance.record(source, .firewall)))
        }

        // 12. One chain per reachable endpoint: hairpin masquerade, then DNAT. Laid out before
        //     the dispatch chains (the table sorts chains by name), which read the endpoints'
        //     chain names from here: no per-port array of names.
        let sepComment = Match.comment(Comment(name))
        let firstEndpointChain = out.natChains.count
        // Endpoints are read in place through a span (a closure here would copy the emitter).
        let endpointPlans = plan.endpoints.span
        for index in selection.reachableEndpoints {
            let endpoint = endpointPlans[index]
            let chain = chains.endpoint(index, of: plan)
            var hairpin: [Match] = []
            var dnat: [Match]
            if largeClusterMode && plan.affinitySeconds == nil {
                hairpin = [.source(.host(endpoint.address))]
                dnat = out.shared.only(plan.l4Protocol)
            } else {
                hairpin.reserveCapacity(2)
                dnat = []
                dnat.reserveCapacity(3)
                if !largeClusterMode {
                    hairpin.append(sepComment)
                    dnat.append(sepComment)
                }
                hairpin.append(.source(.host(endpoint.address)))
                if plan.affinitySeconds != nil { dnat.append(.recent(name: chain, .set)) }
                dnat.append(proto)
            }
            let id = out.provenance.record(source, .endpoint(Int32(truncatingIfNeeded: index)))
            out.natChains.append(Chain(chain, rules: [
                Rule(hairpin, markMasquerade),
                Rule(dnat, .dnat(endpoint.address, port: endpoint.port)),
            ], provenanceID: id))
        }

        // 10./11. Dispatch from the policy chains to the endpoints: a method called twice, not a
        //     loop over an array of tuples (allocated per port, its elements copied generically).
        let endpointChains = EndpointChains(selection.reachableEndpoints, at: firstEndpointChain)
        appendDispatchChain(plan, chains.service, selection.clusterEndpoints, used: usesClusterChain, .clusterDispatch,
                            masquerade: chains.service == internalChain ? internalMasquerade : nil,
                            endpointChains, source, to: &out)
        appendDispatchChain(plan, chains.local, selection.localEndpoints, used: usesLocalChain, .localDispatch,
                            masquerade: chains.local == internalChain ? internalMasquerade : nil,
                            endpointChains, source, to: &out)
    }

    /// A dispatch chain: the masquerade rule of the internal chain, then the endpoints';
    /// left out when it would have neither.
    private func appendDispatchChain(_ plan: ServicePortPlan, _ chain: ChainName, _ endpoints: [Int], used: Bool,
                                     _ part: ServicePortPart, masquerade: Rule?, _ endpointChains: EndpointChains,
                                     _ source: ServicePortSource, to out: inout ServicePortRules) {
        guard used || masquerade != nil else { return }
        var rules: [Rule] = []
        rules.reserveCapacity(1 + endpoints.count * (plan.affinitySeconds == nil ? 1 : 2))
        if let masquerade { rules.append(masquerade) }
        if used { appendDispatchRules(plan, endpoints, endpointChains, to: &rules, out: &out) }
        out.natChains.append(Chain(chain, rules: rules, provenanceID: out.provenance.record(source, part)))
    }

    /// Session-affinity checks first (when enabled), then one probability step per endpoint:
    /// endpoint i of n is taken with probability 1/(n-i), the last one unconditionally.
    private func appendDispatchRules(_ plan: ServicePortPlan, _ endpoints: [Int], _ endpointChains: EndpointChains,
                                     to rules: inout [Rule], out: inout ServicePortRules) {
        var endpointChains = endpointChains
        if let seconds = plan.affinitySeconds {
            for index in endpoints {
                let chain = endpointChains.name(of: index, in: out.natChains)
                rules.append(Rule(dispatchMatches(plan, index, .recent(name: chain, .check(seconds: seconds, reap: true))),
                                  .jump(chain)))
            }
            endpointChains.rewind()
        }
        for (position, index) in endpoints.enumerated() {
            let last = position == endpoints.count - 1
            let target = Verdict.jump(endpointChains.name(of: index, in: out.natChains))
            if largeClusterMode {
                rules.append(Rule(last ? [] : out.shared.statistic(oneIn: endpoints.count - position), target))
            } else {
                rules.append(Rule(dispatchMatches(plan, index, last ? nil : .statistic(.oneIn(endpoints.count - position))), target))
            }
        }
    }

    /// The comment (outside large-cluster mode) and `extra` of a dispatch rule. A method, not
    /// a nested function: capturing the emitter and the plan copied both for every port.
    private func dispatchMatches(_ plan: ServicePortPlan, _ index: Int, _ extra: Match?) -> [Match] {
        var matches: [Match] = []
        matches.reserveCapacity(2)
        if !largeClusterMode {
            matches.append(.comment(Comment(plan.name, " -> ", plan.endpoints[index].endpointString.description)))
        }
        if let extra { matches.append(extra) }
        return matches
    }
}

/// Where a port's endpoint chains are: laid out in the run's chains from `start`, one per
/// reachable endpoint in endpoint order. A dispatch list is a sublist of the reachable
/// endpoints in the same order, so its chains are found by walking forward, without a lookup
/// table per port.
struct EndpointChains {
    private let reachable: [Int]
    private let start: Int
    private var cursor = 0

    init(_ reachable: [Int], at start: Int) {
        self.reachable = reachable
        self.start = start
    }

    /// The chain name of endpoint `index`; endpoints must be asked for in endpoint order.
    mutating func name(of index: Int, in chains: [Chain]) -> ChainName {
        while reachable[cursor] != index { cursor += 1 }
        return chains[start + cursor].name
    }

    /// Back to the first endpoint, for a second walk.
    mutating func rewind() { cursor = 0 }
}
