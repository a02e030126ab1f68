import ClusterState
import NetworkAddresses
import PolicyCompiler
import RuleModel
import ServiceCompiler

/// Lays a `PolicyPlan` out as iptables filter chains (see `PolicyIPTablesCompiler` for the layout).
struct PolicyRuleBuilder {
    let plan: PolicyPlan
    let allowMark: MarkValue

    /// Shared chains made on demand (address groups, ipBlocks with exceptions), by name.
    private var sharedChains: [ChainName: Chain] = [:]
    private var sharedOrder: [ChainName] = []
    /// What each chain and allowing rule stands for.
    private(set) var provenance = ProvenanceSegment()

    init(plan: PolicyPlan, allowMark: MarkValue) {
        self.plan = plan
        self.allowMark = allowMark
    }

    /// The direction a policy type looks at: egress rules match destinations, ingress sources.
    private func peerDirection(_ type: PolicyType) -> PacketDirection {
        type == .egress ? .destination : .source
    }

    mutating func build() -> [Chain] {
        guard !plan.isEmpty else { return [] }
        var policyChains: [Chain] = []
        // Policies whose rules allow nothing in this family: they isolate, but a pod's chain
        // need not jump to an empty chain for them.
        var allowsNothing: Set<ChainName> = []
        for rules in plan.policies {
            let chain = policyChain(rules)
            if chain.rules.isEmpty { allowsNothing.insert(chain.name) } else { policyChains.append(chain) }
        }

        var chains: [Chain] = []
        let established = Rule([.comment("replies and related packets of allowed connections"),
                                .conntrackState([.related, .established])], .return)
        let machinery = provenance.record(.networkPolicy(nil))
        chains.append(Chain(PolicyChains.forward, rules: [
            established,
            Rule([], .jump(PolicyChains.egressPods)),
            Rule([], .jump(PolicyChains.ingressPods)),
        ], provenanceID: machinery))
        chains.append(Chain(PolicyChains.input, rules: [established, Rule([], .jump(PolicyChains.egressPods))],
                            provenanceID: machinery))
        chains.append(dispatchChain(PolicyChains.egressPods, plan.egress, type: .egress))
        chains.append(dispatchChain(PolicyChains.ingressPods, plan.ingress, type: .ingress))
        chains.append(Chain(PolicyChains.allow, rules: [Rule([], .setMark(.set(allowMark, mask: allowMark)))],
                            provenanceID: machinery))
        for type in [PolicyType.egress, .ingress] {
            for isolated in plan.isolated(type) {
                chains.append(podChain(isolated, type: type, skipping: allowsNothing))
            }
        }
        chains += policyChains
        chains += sharedOrder.map { sharedChains[$0]! }
        return chains
    }

    /// One rule per isolated pod, sending its new connections to the pod's chain.
    private mutating func dispatchChain(_ name: ChainName, _ pods: [PolicyPlan.IsolatedPod], type: PolicyType) -> Chain {
        Chain(name, rules: pods.map { isolated in
            let address = AddressMatch.host(isolated.pod.address)
            let match: Match = type == .egress ? .source(address) : .destination(address)
            return Rule([.comment(Comment(isolated.pod.key, type == .egress ? " egress" : " ingress")), match],
                        .jump(PolicyChains.pod(isolated.pod.key, type)))
        }, provenanceID: provenance.record(.networkPolicy(nil)))
    }

    /// A pod's chain: its own traffic to itself passes; otherwise the union of the policies
    /// selecting it decides, and nothing allowed means DROP.
    private mutating func podChain(_ isolated: PolicyPlan.IsolatedPod, type: PolicyType, skipping empty: Set<ChainName>) -> Chain {
        let key = isolated.pod.key
        let itself = AddressMatch.host(isolated.pod.address)
        var rules: [Rule] = [
            Rule([.comment(Comment(key, " to itself")), type == .egress ? .destination(itself) : .source(itself)], .return),
            Rule([], .setMark(.set(MarkValue(0), mask: allowMark))),
        ]
        for policy in isolated.policies {
            let chain = PolicyChains.policy(policy)
            if empty.contains(chain) { continue }
            rules.append(Rule([.comment(Comment("policy ", policy.key))], .jump(chain)))
            rules.append(Rule([.mark(allowMark, mask: allowMark)], .return))
        }
        let direction = type == .egress ? "egress" : "ingress"
        rules.append(Rule([.comment(Comment(key, ": no \(direction) policy allows this connection"))], .drop))
        return Chain(PolicyChains.pod(key, type), rules: rules,
                     provenanceID: provenance.record(.networkPolicy(PolicySource(key: key, isPod: true, isEgress: type == .egress))))
    }

    /// A policy's chain for one direction: a rule per (rule, port, peer) that allows.
    private mutating func policyChain(_ rules: PolicyPlan.PolicyRules) -> Chain {
        let type = rules.policy.type
        let label = type == .egress ? "egress" : "ingress"
        var output: [Rule] = []
        for allow in rules.allows {
            let comment = Match.comment(Comment(rules.policy.key, " \(label)[\(allow.ruleIndex)]"))
            let source = provenance.record(.networkPolicy(PolicySource(
                key: rules.policy.key, isPod: false, isEgress: type == .egress, ruleIndex: allow.ruleIndex)))
            output += allowRules(comment: comment, allow, type: type).map { rule in
                var rule = rule
                rule.provenanceID = source
                return rule
            }
        }
        return Chain(PolicyChains.policy(rules.policy), rules: output,
                     provenanceID: provenance.record(.networkPolicy(PolicySource(key: rules.policy.key, isPod: false,
                                                                                 isEgress: type == .egress))))
    }

    /// The rules allowing one (port, peer) pair.
    private mutating func allowRules(comment: Match, _ allow: PolicyPlan.Allow, type: PolicyType) -> [Rule] {
        let direction = peerDirection(type)
        let portMatches: [Match]
        switch allow.ports {
        case .named(let l4, let targets):
            return namedPortRules(comment: comment, l4: l4, targets: targets, peer: allow.peer, type: type)
        case .all:
            portMatches = []
        case .numbered(let l4, let range):
            portMatches = [.l4Protocol(l4)] + (range.map { [.destinationPort($0)] } ?? [])
        }
        guard let verdict = peerVerdict(allow.peer, direction: direction) else { return [] }
        return [Rule([comment] + peerMatches(allow.peer, direction: direction) + portMatches, verdict)]
    }

    /// Matches a rule needs before its ports for `peer` (an ipBlock's CIDR).
    private func peerMatches(_ peer: PolicyPlan.Peer, direction: PacketDirection) -> [Match] {
        guard case .block(let cidr, _) = peer else { return [] }
        return [direction == .destination ? .destination(.prefix(cidr)) : .source(.prefix(cidr))]
    }

    /// Where a rule allowing `peer` goes: straight to the allow chain, or through a shared
    /// chain that checks the addresses; nil when the peer is nobody.
    private mutating func peerVerdict(_ peer: PolicyPlan.Peer, direction: PacketDirection) -> Verdict? {
        switch peer {
        case .nothing:
            return nil
        case .any:
            return .goto(PolicyChains.allow)
        case .block(let cidr, let except):
            return except.isEmpty ? .goto(PolicyChains.allow) : .jump(blockChain(direction, cidr: cidr, except: except))
        case .pods(let members):
            return .jump(addressGroup(direction, members))
        }
    }

    /// Named ports resolve on the destination pod: for ingress, each selected pod, with the
    /// peer matched on the source as usual; for egress, each destination pod the peer covers.
    private mutating func namedPortRules(comment: Match, l4: L4Protocol, targets: [PolicyPlan.NamedPortTarget],
                                         peer: PolicyPlan.Peer, type: PolicyType) -> [Rule] {
        if type == .egress {
            return targets.map { target in
                Rule([comment, .destination(.host(target.destination.address)), .l4Protocol(l4),
                      .destinationPort(PortRange(target.port))], .goto(PolicyChains.allow))
            }
        }
        var rules: [Rule] = []
        for target in targets {
            guard let verdict = peerVerdict(peer, direction: .source) else { continue }
            let destination = Match.destination(.host(target.destination.address))
            rules.append(Rule([comment, destination] + peerMatches(peer, direction: .source)
                              + [.l4Protocol(l4), .destinationPort(PortRange(target.port))], verdict))
        }
        return rules
    }

    /// A chain matching any of `members` (as sources or destinations), shared by every policy
    /// rule with the same members.
    private mutating func addressGroup(_ direction: PacketDirection, _ members: [PolicyPlan.Pod]) -> ChainName {
        let name = PolicyChains.addressGroup(direction, members: members.map(\.address.description).joined(separator: ","))
        if sharedChains[name] == nil {
            sharedChains[name] = Chain(name, rules: members.map { member in
                let match: Match = direction == .destination ? .destination(.host(member.address)) : .source(.host(member.address))
                return Rule([.comment(Comment(member.key)), match], .goto(PolicyChains.allow))
            }, provenanceID: provenance.record(.networkPolicy(nil)))
            sharedOrder.append(name)
        }
        return name
    }

    /// A chain for an ipBlock with exceptions: excepted addresses return unmarked, the rest
    /// of the CIDR (already matched by the caller) is allowed.
    private mutating func blockChain(_ direction: PacketDirection, cidr: IPPrefix, except: [IPPrefix]) -> ChainName {
        let name = PolicyChains.block(direction, cidr: cidr, except: except)
        if sharedChains[name] == nil {
            var rules = except.map { except -> Rule in
                let match: Match = direction == .destination ? .destination(.prefix(except)) : .source(.prefix(except))
                return Rule([.comment(Comment("except ", except.description)), match], .return)
            }
            rules.append(Rule([], .goto(PolicyChains.allow)))
            sharedChains[name] = Chain(name, rules: rules, provenanceID: provenance.record(.networkPolicy(nil)))
            sharedOrder.append(name)
        }
        return name
    }
}
