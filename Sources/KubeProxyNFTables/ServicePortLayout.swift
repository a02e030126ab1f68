import NetworkAddresses
import RuleModel
import ServiceCompiler

/// What the Service ports add to kube-proxy's table: their chains and affinity sets, and
/// their elements of the shared sets and maps.
struct ServicePortObjects {
    /// Written into the part's region of the table's chain array.
    var chains: ChainSink
    var affinitySets: [NamedSet] = []
    var clusterIPs: [SetElement] = []
    /// A set holds each key once; the ports of one Service share its ClusterIP.
    var clusterIPsSeen = Set<IPAddress>()
    var serviceIPs: [VerdictMap.Entry] = []
    var serviceNodePorts: [VerdictMap.Entry] = []
    var firewallIPs: [VerdictMap.Entry] = []
    var noEndpointServices: [VerdictMap.Entry] = []
    var noEndpointNodePorts: [VerdictMap.Entry] = []
    /// What the part's chains and map elements were laid out for; IDs carry the part's number.
    var provenance: ProvenanceSegment
    /// Later parts' provenance, in order.
    var laterProvenance: [ProvenanceSegment] = []
    /// Every endpoint chain's DNAT rule matches only the protocol: one list per protocol,
    /// shared, instead of an allocation (and later a free) for each of 100,000 rules.
    let protocolOnly: [[Match]] = L4Protocol.allCases.map { [.l4Protocol($0)] }
    /// Per endpoint of the port being laid out: where its chain is in `chains` and its
    /// affinity set in `affinitySets` (-1: none). Reused from port to port.
    var endpointSlots: [(chain: Int, affinitySet: Int)] = []

    func matchesOnly(_ proto: L4Protocol) -> [Match] {
        // `allCases.firstIndex(of:)` built the cases' array for every endpoint.
        switch proto {
        case .tcp: return protocolOnly[0]
        case .udp: return protocolOnly[1]
        case .sctp: return protocolOnly[2]
        }
    }

    init(part: Int, chains: ChainSink) {
        provenance = ProvenanceSegment(number: part)
        self.chains = chains
    }

    /// Every part's provenance, in order: the table's store.
    var provenanceStore: ProvenanceStore { ProvenanceStore([provenance] + laterProvenance) }

    /// Adds a later part's objects (Service ports after this part's) except its chains,
    /// which are already in the table's array.
    mutating func append(_ other: consuming ServicePortObjects) {
        laterProvenance.append(other.provenance)
        laterProvenance += other.laterProvenance
        affinitySets += other.affinitySets
        for element in other.clusterIPs {
            if case .address(let address) = element.key[0], clusterIPsSeen.insert(address).inserted {
                clusterIPs.append(element)
            }
        }
        serviceIPs += other.serviceIPs
        serviceNodePorts += other.serviceNodePorts
        firewallIPs += other.firewallIPs
        noEndpointServices += other.noEndpointServices
        noEndpointNodePorts += other.noEndpointNodePorts
    }
}

/// Writes one Service port the way kube-proxy v1.30's nftables proxier does after a full sync.
struct ServicePortLayout {
    let settings: LayoutSettings

    private typealias Names = NFTablesNames

    func add(_ plan: ServicePortPlan, to objects: inout ServicePortObjects) {
        let names = PortChainNames(namespace: plan.namespace, name: plan.serviceName,
                                   protocol: plan.l4Protocol, port: plan.portName)
        let selection = plan.selection
        let l4 = KeyComponent.l4Protocol(plan.l4Protocol)
        let port = KeyComponent.port(plan.port)
        let hasEndpoints = selection.hasEndpoints
        let hasLocalEndpoints = !selection.localEndpoints.isEmpty
        // Each name is made once, and only when used.
        lazy var serviceChain = names.service
        lazy var localChain = names.local
        lazy var externalChain = names.external

        // Internal traffic (to the ClusterIP) uses the Local chain under internalTrafficPolicy
        // Local; external traffic enters through the external chain, which ends in the Local
        // chain under externalTrafficPolicy Local.
        let hasInternalEndpoints = hasEndpoints && (!plan.internalPolicyLocal || hasLocalEndpoints)
        let hasExternalEndpoints = hasEndpoints && (!plan.externalPolicyLocal || hasLocalEndpoints)
        // The external chain also short-circuits pod and host traffic under a Local policy,
        // so it exists whenever any endpoint does.
        let usesExternalChain = hasEndpoints && plan.externallyAccessible

        // No endpoints at all: reject. Endpoints, but none for this kind of traffic: drop.
        let internalFilter: Verdict = hasEndpoints ? .drop : .goto(Names.rejectChain)
        let externalFilter = internalFilter

        let source = ServicePortSource(name: plan.name, l4Protocol: plan.l4Protocol)
        let clusterIPEntry = objects.provenance.record(source, .entry(.clusterIP))
        if objects.clusterIPsSeen.insert(plan.clusterIP).inserted {
            objects.clusterIPs.append(SetElement([.address(plan.clusterIP)]))
        }
        if hasInternalEndpoints {
            let internalChain = plan.internalPolicyLocal ? localChain : serviceChain
            objects.serviceIPs.append(.init(key: [.address(plan.clusterIP), l4, port], verdict: .goto(internalChain),
                                            provenanceID: clusterIPEntry))
        } else {
            objects.noEndpointServices.append(.init(key: [.address(plan.clusterIP), l4, port], verdict: internalFilter,
                                                    comment: plan.name, provenanceID: clusterIPEntry))
        }

        let externalEntry = plan.externalIPs.isEmpty ? ProvenanceID.none
            : objects.provenance.record(source, .entry(.externalIP))
        for address in plan.externalIPs {
            if hasEndpoints {
                objects.serviceIPs.append(.init(key: [.address(address), l4, port], verdict: .goto(externalChain),
                                                provenanceID: externalEntry))
            }
            if !hasExternalEndpoints {
                objects.noEndpointServices.append(.init(key: [.address(address), l4, port], verdict: externalFilter,
                                                        comment: plan.name, provenanceID: externalEntry))
            }
        }

        let usesFirewall = !plan.loadBalancerVIPs.isEmpty && !plan.sourceRanges.isEmpty
        let firewallChain = usesFirewall ? names.firewall : nil
        if let firewallChain {
            objects.chains.append(name: firewallChain, rules: [firewallRule(plan)],
                                  provenanceID: objects.provenance.record(source, .firewall))
        }
        let loadBalancerEntry = plan.loadBalancerVIPs.isEmpty ? ProvenanceID.none
            : objects.provenance.record(source, .entry(.loadBalancerIP))
        for address in plan.loadBalancerVIPs {
            if hasEndpoints {
                objects.serviceIPs.append(.init(key: [.address(address), l4, port], verdict: .goto(externalChain),
                                                provenanceID: loadBalancerEntry))
            }
            if let firewallChain {
                objects.firewallIPs.append(.init(key: [.address(address), l4, port], verdict: .goto(firewallChain),
                                                 comment: plan.name, provenanceID: loadBalancerEntry))
            }
            if !hasExternalEndpoints {
                objects.noEndpointServices.append(.init(key: [.address(address), l4, port], verdict: externalFilter,
                                                        comment: plan.name, provenanceID: loadBalancerEntry))
            }
        }

        if plan.nodePort != 0 {
            let nodePort = KeyComponent.port(plan.nodePort)
            let nodePortEntry = objects.provenance.record(source, .entry(.nodePort))
            if hasEndpoints {
                objects.serviceNodePorts.append(.init(key: [l4, nodePort], verdict: .goto(externalChain),
                                                      provenanceID: nodePortEntry))
            }
            if !hasExternalEndpoints {
                objects.noEndpointNodePorts.append(.init(key: [l4, nodePort], verdict: externalFilter, comment: plan.name,
                                                         provenanceID: nodePortEntry))
            }
        }

        // Endpoint chains (and affinity sets) of every endpoint some policy chain can reach;
        // the dispatch rules below read their names back from where they were stored.
        let affinity = plan.affinitySeconds != nil
        objects.endpointSlots.removeAll(keepingCapacity: true)
        objects.endpointSlots.append(contentsOf: repeatElement((chain: -1, affinitySet: -1), count: plan.endpoints.count))
        for index in selection.reachableEndpoints {
            let endpoint = plan.endpoints[index]
            let (chain, affinityName) = endpoint.withEndpointBytes {
                names.endpointNames($0, affinity: affinity)
            }
            var affinitySet: ChainName? = nil
            var affinitySlot = -1
            if let seconds = plan.affinitySeconds {
                let set = affinityName ?? chain
                affinitySet = set
                affinitySlot = objects.affinitySets.count
                objects.affinitySets.append(NamedSet(name: set, fields: [.sourceAddress],
                                                     keyTypes: [.address(settings.family)], flags: [.dynamic, .timeout],
                                                     timeoutSeconds: seconds))
            }
            objects.endpointSlots[index] = (objects.chains.count, affinitySlot)
            let dnat = objects.matchesOnly(plan.l4Protocol)
            let rules = InPlace.rules(count: affinitySet == nil ? 2 : 3) { rules in
                InPlace.rule(rules, [.source(.host(endpoint.address))], .jump(Names.markForMasquerade))
                if let affinitySet {
                    InPlace.rule(rules + 1, [.updateSet(fields: [.sourceAddress], set: affinitySet)], nil)
                }
                InPlace.rule(rules + (affinitySet == nil ? 1 : 2), dnat, .dnat(endpoint.address, port: endpoint.port))
            }
            objects.chains.append(name: chain, rules: rules, provenanceID: objects.provenance.record(
                source, .endpoint(Int32(truncatingIfNeeded: index))))
        }

        // Off-cluster clients of the ClusterIP are masqueraded (all of them with masqueradeAll).
        var internalMatches: [Match]? = nil
        if hasInternalEndpoints && (settings.masqueradeAll || settings.clusterCIDR != nil) {
            var matches: [Match] = [.destination(.host(plan.clusterIP)), .l4Protocol(plan.l4Protocol),
                                    .destinationPort(PortRange(plan.port))]
            if !settings.masqueradeAll, let cidr = settings.clusterCIDR {
                matches.append(.source(.prefix(cidr), negated: true))
            }
            internalMatches = matches
        }

        if usesExternalChain {
            var rules: [Rule] = []
            if !plan.externalPolicyLocal {
                rules.append(Rule([], .jump(Names.markForMasquerade)))
            } else {
                // Pods and the node itself reach a Local-policy Service like a Cluster one.
                if let cidr = settings.clusterCIDR {
                    rules.append(Rule([.source(.prefix(cidr)), .comment("short-circuit pod traffic")],
                                      .goto(serviceChain)))
                }
                rules.append(Rule([.addressType(.source, .local), .comment("masquerade local traffic")],
                                  .jump(Names.markForMasquerade)))
                rules.append(Rule([.addressType(.source, .local), .comment("short-circuit local traffic")],
                                  .goto(serviceChain)))
            }
            if hasExternalEndpoints {
                rules.append(Rule([], .goto(plan.externalPolicyLocal ? localChain : serviceChain)))
            }
            objects.chains.append(name: externalChain, rules: rules,
                                  provenanceID: objects.provenance.record(source, .external))
        }

        if !selection.clusterEndpoints.isEmpty {
            let rules = dispatch(selection.clusterEndpoints, objects, affinity: affinity,
                                 after: plan.internalPolicyLocal ? nil : internalMatches)
            objects.chains.append(name: serviceChain, rules: rules,
                                  provenanceID: objects.provenance.record(source, .clusterDispatch))
        }
        if hasLocalEndpoints {
            let rules = dispatch(selection.localEndpoints, objects, affinity: affinity,
                                 after: plan.internalPolicyLocal ? internalMatches : nil)
            objects.chains.append(name: localChain, rules: rules,
                                  provenanceID: objects.provenance.record(source, .localDispatch))
        }
    }

    /// The masquerade rule for `leading` matches, if any, then: known clients go back to
    /// their endpoint; everyone else gets a uniformly random one. Endpoint chain and affinity
    /// set names are read from `objects` through `endpointSlots`.
    private func dispatch(_ endpoints: [Int], _ objects: borrowing ServicePortObjects, affinity: Bool,
                          after leading: [Match]?) -> [Rule] {
        let chains = objects.chains.base
        let slots = objects.endpointSlots
        // Appended (one retain per name, nothing else): an uninitialized array is created by
        // a generic, unspecialized call that looks its type's metadata up every time.
        var targets: [ChainName] = []
        targets.reserveCapacity(endpoints.count)
        for index in endpoints { targets.append(chains[slots[index].chain].name) }
        let count = (leading == nil ? 0 : 1) + (affinity ? endpoints.count : 0) + 1
        return InPlace.rules(count: count) { rules in
            var next = rules
            if let leading {
                InPlace.rule(next, leading, .jump(Names.markForMasquerade))
                next += 1
            }
            if affinity {
                for (position, index) in endpoints.enumerated() {
                    let set = objects.affinitySets[slots[index].affinitySet].name
                    InPlace.rule(next, [.inSet(fields: [.sourceAddress], set: set)], .goto(targets[position]))
                    next += 1
                }
            }
            InPlace.rule(next, [], .randomChoice(targets))
        }
    }

    /// Drops sources outside the ranges; when a range holds the node IP, the LB IPs are allowed
    /// as sources too (a VIP assigned locally loops requests from the node back with it).
    private func firewallRule(_ plan: ServicePortPlan) -> Rule {
        var allowed = plan.sourceRanges.map { KeyComponent.prefix($0) }
        if let nodeIP = settings.nodeIP, plan.sourceRanges.contains(where: { $0.contains(nodeIP) }) {
            allowed += plan.loadBalancerVIPs.map { KeyComponent.address($0) }
        }
        return Rule([.inAnonymousSet(field: .sourceAddress, elements: allowed, negated: true)], .drop)
    }
}
