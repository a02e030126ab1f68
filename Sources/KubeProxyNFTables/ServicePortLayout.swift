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

    func matchesOnly(_ proto: L4Protocol) -> [Match] {
        protocolOnly[L4Protocol.allCases.firstIndex(of: proto)!]
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

        // Internal traffic (to the ClusterIP) uses the Local chain under internalTrafficPolicy
        // Local; external traffic enters through the external chain, which ends in the Local
        // chain under externalTrafficPolicy Local.
        let internalChain = plan.internalPolicyLocal ? names.local : names.service
        let hasInternalEndpoints = hasEndpoints && (!plan.internalPolicyLocal || hasLocalEndpoints)
        let externalPolicyChain = plan.externalPolicyLocal ? names.local : names.service
        let hasExternalEndpoints = hasEndpoints && (!plan.externalPolicyLocal || hasLocalEndpoints)
        // The external chain also short-circuits pod and host traffic under a Local policy,
        // so it exists whenever any endpoint does.
        let usesExternalChain = hasEndpoints && plan.externallyAccessible

        // No endpoints at all: reject. Endpoints, but none for this kind of traffic: drop.
        let internalFilter: Verdict = hasEndpoints ? .drop : .goto(Names.rejectChain)
        let externalFilter = internalFilter

        let source = ServicePortSource(name: plan.name, l4Protocol: plan.l4Protocol)
        let clusterIPEntry = objects.provenance.record(.servicePort(source, .entry(.clusterIP)))
        if objects.clusterIPsSeen.insert(plan.clusterIP).inserted {
            objects.clusterIPs.append(SetElement([.address(plan.clusterIP)]))
        }
        if hasInternalEndpoints {
            objects.serviceIPs.append(.init(key: [.address(plan.clusterIP), l4, port], verdict: .goto(internalChain),
                                            provenanceID: clusterIPEntry))
        } else {
            objects.noEndpointServices.append(.init(key: [.address(plan.clusterIP), l4, port], verdict: internalFilter,
                                                    comment: plan.name, provenanceID: clusterIPEntry))
        }

        let externalEntry = plan.externalIPs.isEmpty ? ProvenanceID.none
            : objects.provenance.record(.servicePort(source, .entry(.externalIP)))
        for address in plan.externalIPs {
            if hasEndpoints {
                objects.serviceIPs.append(.init(key: [.address(address), l4, port], verdict: .goto(names.external),
                                                provenanceID: externalEntry))
            }
            if !hasExternalEndpoints {
                objects.noEndpointServices.append(.init(key: [.address(address), l4, port], verdict: externalFilter,
                                                        comment: plan.name, provenanceID: externalEntry))
            }
        }

        let usesFirewall = !plan.loadBalancerVIPs.isEmpty && !plan.sourceRanges.isEmpty
        if usesFirewall {
            objects.chains.append(Chain(names.firewall, rules: [firewallRule(plan)],
                                        provenanceID: objects.provenance.record(.servicePort(source, .firewall))))
        }
        let loadBalancerEntry = plan.loadBalancerVIPs.isEmpty ? ProvenanceID.none
            : objects.provenance.record(.servicePort(source, .entry(.loadBalancerIP)))
        for address in plan.loadBalancerVIPs {
            if hasEndpoints {
                objects.serviceIPs.append(.init(key: [.address(address), l4, port], verdict: .goto(names.external),
                                                provenanceID: loadBalancerEntry))
            }
            if usesFirewall {
                objects.firewallIPs.append(.init(key: [.address(address), l4, port], verdict: .goto(names.firewall),
                                                 comment: plan.name, provenanceID: loadBalancerEntry))
            }
            if !hasExternalEndpoints {
                objects.noEndpointServices.append(.init(key: [.address(address), l4, port], verdict: externalFilter,
                                                        comment: plan.name, provenanceID: loadBalancerEntry))
            }
        }

        if plan.nodePort != 0 {
            let nodePort = KeyComponent.port(plan.nodePort)
            let nodePortEntry = objects.provenance.record(.servicePort(source, .entry(.nodePort)))
            if hasEndpoints {
                objects.serviceNodePorts.append(.init(key: [l4, nodePort], verdict: .goto(names.external),
                                                      provenanceID: nodePortEntry))
            }
            if !hasExternalEndpoints {
                objects.noEndpointNodePorts.append(.init(key: [l4, nodePort], verdict: externalFilter, comment: plan.name,
                                                         provenanceID: nodePortEntry))
            }
        }

        // Endpoint chains (and affinity sets) of every endpoint some policy chain can reach,
        // by endpoint index.
        var endpointNames = [EndpointNames?](repeating: nil, count: plan.endpoints.count)
        for index in selection.reachableEndpoints {
            let endpoint = plan.endpoints[index]
            let (chain, affinityName) = endpoint.withEndpointBytes {
                names.endpointNames($0, affinity: plan.affinitySeconds != nil)
            }
            let affinitySet = affinityName ?? chain
            endpointNames[index] = EndpointNames(chain: chain, affinitySet: affinitySet)
            // Sized once: growing a one-rule array literal reallocated it for every endpoint.
            var rules: [Rule] = []
            rules.reserveCapacity(plan.affinitySeconds == nil ? 2 : 3)
            rules.append(Rule([.source(.host(endpoint.address))], .jump(Names.markForMasquerade)))
            if let seconds = plan.affinitySeconds {
                objects.affinitySets.append(NamedSet(name: affinitySet, fields: [.sourceAddress],
                                                     keyTypes: [.address(settings.family)], flags: [.dynamic, .timeout],
                                                     timeoutSeconds: seconds))
                rules.append(Rule([.updateSet(fields: [.sourceAddress], set: affinitySet)], nil))
            }
            rules.append(Rule(objects.matchesOnly(plan.l4Protocol), .dnat(endpoint.address, port: endpoint.port)))
            objects.chains.append(Chain(chain, rules: rules, provenanceID: objects.provenance.record(
                .servicePort(source, .endpoint(Int32(truncatingIfNeeded: index))))))
        }

        // Off-cluster clients of the ClusterIP are masqueraded (all of them with masqueradeAll).
        var internalRules: [Rule] = []
        if hasInternalEndpoints && (settings.masqueradeAll || settings.clusterCIDR != nil) {
            var matches: [Match] = [.destination(.host(plan.clusterIP)), .l4Protocol(plan.l4Protocol),
                                    .destinationPort(PortRange(plan.port))]
            if !settings.masqueradeAll, let cidr = settings.clusterCIDR {
                matches.append(.source(.prefix(cidr), negated: true))
            }
            internalRules.append(Rule(matches, .jump(Names.markForMasquerade)))
        }

        if usesExternalChain {
            var rules: [Rule] = []
            if !plan.externalPolicyLocal {
                rules.append(Rule([], .jump(Names.markForMasquerade)))
            } else {
                // Pods and the node itself reach a Local-policy Service like a Cluster one.
                if let cidr = settings.clusterCIDR {
                    rules.append(Rule([.source(.prefix(cidr)), .comment("short-circuit pod traffic")],
                                      .goto(names.service)))
                }
                rules.append(Rule([.addressType(.source, .local), .comment("masquerade local traffic")],
                                  .jump(Names.markForMasquerade)))
                rules.append(Rule([.addressType(.source, .local), .comment("short-circuit local traffic")],
                                  .goto(names.service)))
            }
            if hasExternalEndpoints { rules.append(Rule([], .goto(externalPolicyChain))) }
            objects.chains.append(Chain(names.external, rules: rules,
                                        provenanceID: objects.provenance.record(.servicePort(source, .external))))
        }

        if !selection.clusterEndpoints.isEmpty {
            objects.chains.append(Chain(names.service, rules: dispatch(
                selection.clusterEndpoints, endpointNames, affinity: plan.affinitySeconds != nil,
                after: names.service == internalChain ? internalRules : []),
                provenanceID: objects.provenance.record(.servicePort(source, .clusterDispatch))))
        }
        if hasLocalEndpoints {
            objects.chains.append(Chain(names.local, rules: dispatch(
                selection.localEndpoints, endpointNames, affinity: plan.affinitySeconds != nil,
                after: names.local == internalChain ? internalRules : []),
                provenanceID: objects.provenance.record(.servicePort(source, .localDispatch))))
        }
    }

    private struct EndpointNames {
        let chain: ChainName
        let affinitySet: ChainName
    }

    /// `leading` rules, then: known clients go back to their endpoint; everyone else gets a
    /// uniformly random one. One array of the final size (appending to `leading` reallocated).
    private func dispatch(_ endpoints: [Int], _ names: [EndpointNames?], affinity: Bool, after leading: [Rule]) -> [Rule] {
        var rules: [Rule] = []
        rules.reserveCapacity(leading.count + (affinity ? endpoints.count : 0) + 1)
        rules += leading
        if affinity {
            for index in endpoints {
                let endpoint = names[index]!
                rules.append(Rule([.inSet(fields: [.sourceAddress], set: endpoint.affinitySet)], .goto(endpoint.chain)))
            }
        }
        rules.append(Rule([], .randomChoice(endpoints.map { names[$0]!.chain })))
        return rules
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
