import ClusterState
import NetworkAddresses
import RuleModel
import ServiceCompiler

/// Builds the policy chains for one IP family (see `PolicyCompiler` for the layout).
struct PolicyRuleBuilder {
    let index: PodIndex
    let family: IPFamily
    let allowMark: MarkValue

    /// Shared chains made on demand (address groups, ipBlocks with exceptions), by name.
    private var sharedChains: [ChainName: Chain] = [:]
    private var sharedOrder: [ChainName] = []

    init(index: PodIndex, family: IPFamily, allowMark: MarkValue) {
        self.index = index
        self.family = family
        self.allowMark = allowMark
    }

    /// The direction a policy type looks at: egress rules match destinations, ingress sources.
    private func peerDirection(_ type: PolicyType) -> PacketDirection {
        type == .egress ? .destination : .source
    }

    mutating func build(_ policies: [NetworkPolicy]) -> [Chain] {
        // Which local pods each policy isolates, per direction.
        var selectingPolicies: [PolicyType: [Int: [NetworkPolicy]]] = [.ingress: [:], .egress: [:]]
        var policyChains: [Chain] = []
        // Policies whose rules allow nothing in this family: they isolate, but a pod's chain
        // need not jump to an empty chain for them.
        var allowsNothing: Set<ChainName> = []
        for policy in policies {
            let selected = index.pods(in: policy.metadata.namespace, matching: policy.podSelector)
                .filter { index.entries[$0].isLocal }
            for type in [PolicyType.egress, .ingress] where policy.policyTypes.contains(type) {
                for position in selected { selectingPolicies[type]![position, default: []].append(policy) }
                if !selected.isEmpty {
                    let chain = policyChain(policy, type: type, selected: selected)
                    if chain.rules.isEmpty { allowsNothing.insert(chain.name) } else { policyChains.append(chain) }
                }
            }
        }
        let egress = selectingPolicies[.egress]!
        let ingress = selectingPolicies[.ingress]!
        guard !egress.isEmpty || !ingress.isEmpty else { return [] }

        var chains: [Chain] = []
        let established = Rule([.comment("replies and related packets of allowed connections"),
                                .conntrackState([.related, .established])], .return)
        chains.append(Chain(PolicyChains.forward, rules: [
            established,
            Rule([], .jump(PolicyChains.egressPods)),
            Rule([], .jump(PolicyChains.ingressPods)),
        ]))
        chains.append(Chain(PolicyChains.input, rules: [established, Rule([], .jump(PolicyChains.egressPods))]))
        chains.append(dispatchChain(PolicyChains.egressPods, egress, type: .egress))
        chains.append(dispatchChain(PolicyChains.ingressPods, ingress, type: .ingress))
        chains.append(Chain(PolicyChains.allow, rules: [Rule([], .setMark(.set(allowMark, mask: allowMark)))]))
        for (type, selections) in [(PolicyType.egress, egress), (.ingress, ingress)] {
            for position in selections.keys.sorted() {
                chains.append(podChain(position, type: type, policies: selections[position]!, skipping: allowsNothing))
            }
        }
        chains += policyChains
        chains += sharedOrder.map { sharedChains[$0]! }
        return chains
    }

    /// One rule per isolated pod, sending its new connections to the pod's chain.
    private func dispatchChain(_ name: ChainName, _ selections: [Int: [NetworkPolicy]], type: PolicyType) -> Chain {
        Chain(name, rules: selections.keys.sorted().map { position in
            let entry = index.entries[position]
            let address = AddressMatch.host(entry.address)
            let match: Match = type == .egress ? .source(address) : .destination(address)
            let target = type == .egress ? PolicyChains.podEgress(entry.pod) : PolicyChains.podIngress(entry.pod)
            return Rule([.comment(Comment(entry.pod.metadata.key, type == .egress ? " egress" : " ingress")), match],
                        .jump(target))
        })
    }

    /// A pod's chain: its own traffic to itself passes; otherwise the union of the policies
    /// selecting it decides, and nothing allowed means DROP.
    private func podChain(_ position: Int, type: PolicyType, policies: [NetworkPolicy], skipping empty: Set<ChainName>) -> Chain {
        let entry = index.entries[position]
        let key = entry.pod.metadata.key
        let itself = AddressMatch.host(entry.address)
        var rules: [Rule] = [
            Rule([.comment(Comment(key, " to itself")), type == .egress ? .destination(itself) : .source(itself)], .return),
            Rule([], .setMark(.set(MarkValue(0), mask: allowMark))),
        ]
        for policy in policies {
            let chain = type == .egress ? PolicyChains.policyEgress(policy) : PolicyChains.policyIngress(policy)
            if empty.contains(chain) { continue }
            rules.append(Rule([.comment(Comment("policy ", policy.metadata.key))], .jump(chain)))
            rules.append(Rule([.mark(allowMark, mask: allowMark)], .return))
        }
        let direction = type == .egress ? "egress" : "ingress"
        rules.append(Rule([.comment(Comment(key, ": no \(direction) policy allows this connection"))], .drop))
        return Chain(type == .egress ? PolicyChains.podEgress(entry.pod) : PolicyChains.podIngress(entry.pod), rules: rules)
    }

    /// A policy's chain for one direction: a rule per (rule, port, peer) that allows.
    private mutating func policyChain(_ policy: NetworkPolicy, type: PolicyType, selected: [Int]) -> Chain {
        let rules = type == .egress ? policy.egress : policy.ingress
        let label = type == .egress ? "egress" : "ingress"
        var output: [Rule] = []
        for (ruleIndex, rule) in rules.enumerated() {
            let comment = Match.comment(Comment(policy.metadata.key, " \(label)[\(ruleIndex)]"))
            let peers = rule.peers.isEmpty ? [ResolvedPeer.any] : rule.peers.map { resolve($0, namespace: policy.metadata.namespace) }
            let ports: [NetworkPolicyPort?] = rule.ports.isEmpty ? [nil] : rule.ports
            for port in ports {
                for peer in peers {
                    output += allowRules(comment: comment, port: port, peer: peer, type: type, selected: selected)
                }
            }
        }
        return Chain(type == .egress ? PolicyChains.policyEgress(policy) : PolicyChains.policyIngress(policy), rules: output)
    }

    /// A peer resolved in this family.
    enum ResolvedPeer {
        case any
        case pods([Int])
        case block(IPBlock)
        /// An ipBlock of the other family: matches nothing here.
        case nothing
    }

    private func resolve(_ peer: NetworkPolicyPeer, namespace: String) -> ResolvedPeer {
        if let block = peer.ipBlock {
            return block.cidr.family == family ? .block(block) : .nothing
        }
        let namespaces = peer.namespaceSelector.map { index.namespaces(matching: $0) } ?? [namespace]
        let podSelector = peer.podSelector ?? LabelSelector()
        return .pods(namespaces.flatMap { index.pods(in: $0, matching: podSelector) }.sorted())
    }

    /// The rules allowing `peer` on `port` (nil = every port and protocol).
    private mutating func allowRules(comment: Match, port: NetworkPolicyPort?, peer: ResolvedPeer,
                                     type: PolicyType, selected: [Int]) -> [Rule] {
        let allow = Verdict.goto(PolicyChains.allow)
        let direction = peerDirection(type)
        if case .string(let name)? = port?.port {
            return namedPortRules(comment: comment, name: name, proto: port!.protocol, peer: peer, type: type, selected: selected)
        }
        let portMatches = PolicyRuleBuilder.portMatches(port)
        switch peer {
        case .nothing:
            return []
        case .any:
            return [Rule([comment] + portMatches, allow)]
        case .block(let block):
            let cidr = AddressMatch.prefix(block.cidr)
            let inBlock: Match = direction == .destination ? .destination(cidr) : .source(cidr)
            let excepts = block.except.filter { $0.family == family }
            if excepts.isEmpty { return [Rule([comment, inBlock] + portMatches, allow)] }
            return [Rule([comment, inBlock] + portMatches, .jump(blockChain(direction, block, excepts)))]
        case .pods(let members):
            if members.isEmpty { return [] }
            return [Rule([comment] + portMatches, .jump(addressGroup(direction, members)))]
        }
    }

    /// Named ports resolve on the destination pod: for ingress, each selected pod; for
    /// egress, each destination pod the peer covers. An external address never matches.
    private mutating func namedPortRules(comment: Match, name: String, proto: KubeProtocol, peer: ResolvedPeer,
                                         type: PolicyType, selected: [Int]) -> [Rule] {
        let l4 = L4Protocol(proto)
        func resolvedPort(_ position: Int) -> UInt16? {
            index.entries[position].pod.containerPorts
                .first { $0.name == name && $0.protocol == proto }
                .map { UInt16(clamping: $0.containerPort) }
        }
        let allow = Verdict.goto(PolicyChains.allow)
        if type == .ingress {
            // Destination = the selected pod; the peer is matched on the source as usual.
            var rules: [Rule] = []
            for position in selected {
                guard let number = resolvedPort(position) else { continue }
                let destination = Match.destination(.host(index.entries[position].address))
                let portMatches: [Match] = [.l4Protocol(l4), .destinationPort(PortRange(number))]
                switch peer {
                case .nothing:
                    break
                case .any:
                    rules.append(Rule([comment, destination] + portMatches, allow))
                case .block(let block):
                    let excepts = block.except.filter { $0.family == family }
                    let source = Match.source(.prefix(block.cidr))
                    let verdict = excepts.isEmpty ? allow : .jump(blockChain(.source, block, excepts))
                    rules.append(Rule([comment, destination, source] + portMatches, verdict))
                case .pods(let members):
                    if !members.isEmpty {
                        rules.append(Rule([comment, destination] + portMatches, .jump(addressGroup(.source, members))))
                    }
                }
            }
            return rules
        }
        // Egress: the peer's destination pods, each with its own resolution of the name.
        let destinations: [Int]
        switch peer {
        case .nothing: destinations = []
        case .any: destinations = Array(index.entries.indices)
        case .pods(let members): destinations = members
        case .block(let block):
            destinations = index.entries.indices.filter { position in
                let address = index.entries[position].address
                return block.cidr.contains(address) && !block.except.contains { $0.contains(address) }
            }
        }
        return destinations.compactMap { position in
            resolvedPort(position).map { number in
                Rule([comment, .destination(.host(index.entries[position].address)), .l4Protocol(l4),
                      .destinationPort(PortRange(number))], allow)
            }
        }
    }

    static func portMatches(_ port: NetworkPolicyPort?) -> [Match] {
        guard let port else { return [] }
        var matches: [Match] = [.l4Protocol(L4Protocol(port.protocol))]
        if case .int(let first)? = port.port {
            let last = port.endPort ?? first
            matches.append(.destinationPort(PortRange(first: UInt16(clamping: first), last: UInt16(clamping: last))!))
        }
        return matches
    }

    /// A chain matching any of `members` (as sources or destinations), shared by every policy
    /// rule with the same members.
    private mutating func addressGroup(_ direction: PacketDirection, _ members: [Int]) -> ChainName {
        let addresses = members.map { index.entries[$0].address }
        let name = PolicyChains.addressGroup(direction, members: addresses.map(\.description).joined(separator: ","))
        if sharedChains[name] == nil {
            sharedChains[name] = Chain(name, rules: zip(members, addresses).map { position, address in
                let match: Match = direction == .destination ? .destination(.host(address)) : .source(.host(address))
                return Rule([.comment(Comment(index.entries[position].pod.metadata.key)), match], .goto(PolicyChains.allow))
            })
            sharedOrder.append(name)
        }
        return name
    }

    /// A chain for an ipBlock with exceptions: excepted addresses return unmarked, the rest
    /// of the CIDR (already matched by the caller) is allowed.
    private mutating func blockChain(_ direction: PacketDirection, _ block: IPBlock, _ excepts: [IPPrefix]) -> ChainName {
        let name = PolicyChains.block(direction, block)
        if sharedChains[name] == nil {
            var rules = excepts.map { except -> Rule in
                let match: Match = direction == .destination ? .destination(.prefix(except)) : .source(.prefix(except))
                return Rule([.comment(Comment("except ", except.description)), match], .return)
            }
            rules.append(Rule([], .goto(PolicyChains.allow)))
            sharedChains[name] = Chain(name, rules: rules)
            sharedOrder.append(name)
        }
        return name
    }
}
