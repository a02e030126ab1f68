import ClusterState
import NetworkAddresses
import PolicyCompiler
import RuleModel

/// Lays a `PolicyPlan` out as PacketPath's own nftables table, `ip packetpath-policy` (or
/// `ip6`): one table per family, like kube-proxy's, because the plan, the addresses in the
/// sets and the rulesets are all per family.
///
///     forward-egress  (forward, filter)     ct established,related accept
///                                           ip saddr vmap @egress-pods  ─ goto pod-egress-…
///     forward-ingress (forward, filter + 1) ct established,related accept
///                                           ip daddr vmap @ingress-pods ─ goto pod-ingress-…
///     input-egress    (input, filter)       the same as forward-egress (pods to the node)
///
///     pod-…:    the pod itself → accept; jump each selecting policy's chain; drop.
///     policy-…: one rule per (rule, port, peer) ending in accept; peers are looked up in
///               named sets: `pods-…` (addresses of selected pods), `block-…` (an ipBlock's
///               CIDR, interval set) with `except-…` (its exceptions) checked first.
///
/// A packet costs two map lookups plus the rules of the policies selecting its own pods,
/// whatever the number of policies on the node. An accept ends only its own base chain, so a
/// new connection between pods passes only when the source's egress and the destination's
/// ingress both allow it; a drop is final. Replies pass as established, and traffic the node
/// originates (output hook) is not filtered, as in the iptables layout.
public struct PolicyNFTablesCompiler: Sendable {
    public init() {}

    /// The policy table for `state` in `family`, or nil when no local pod is isolated.
    public func compile(_ state: ClusterState, family: IPFamily) -> Table? {
        table(for: PolicyPlan(state, family: family), family: family)
    }

    public func table(for plan: PolicyPlan, family: IPFamily) -> Table? {
        guard !plan.isEmpty else { return nil }
        typealias Names = PolicyNFTNames
        var sets = PeerSets(family: family)
        // Every chain of the table is PacketPath's policy machinery; pod and policy chains and
        // the allowing rules also say which pod, policy and rule.
        var provenance = ProvenanceSegment()
        let machinery = provenance.record(.networkPolicy(nil))
        var policyChains: [Chain] = []
        // Policies allowing nothing in this family isolate, but need no chain to jump to.
        var allowsNothing: Set<ChainName> = []
        for rules in plan.policies {
            let isEgress = rules.policy.type == .egress
            let chain = Chain(Names.policy(rules.policy), rules: rules.allows.flatMap { allow in
                let rule = provenance.record(.networkPolicy(PolicySource(key: rules.policy.key, isPod: false, isEgress: isEgress,
                                                                           ruleIndex: allow.ruleIndex)))
                return allowRules(allow, rules.policy, &sets).map { Rule($0.matches, $0.verdict, provenanceID: rule) }
            }, provenanceID: provenance.record(.networkPolicy(PolicySource(key: rules.policy.key, isPod: false, isEgress: isEgress))))
            if chain.rules.isEmpty { allowsNothing.insert(chain.name) } else { policyChains.append(chain) }
        }

        let established = Rule([.conntrackState([.established, .related]),
                                .comment("replies and related packets of allowed connections")], .accept)
        func base(_ name: ChainName, _ hook: Hook, _ priority: ChainPriority, _ field: PacketField, _ map: ChainName) -> Chain {
            Chain(name, rules: [established, Rule([], .verdictMap(fields: [field], map: map))],
                  attachment: BaseChainAttachment(hook: hook, priority: priority, type: .filter), provenanceID: machinery)
        }
        var chains = [
            base(Names.forwardEgress, .forward, Names.egressPriority, .sourceAddress, Names.egressPods),
            base(Names.forwardIngress, .forward, Names.ingressPriority, .destinationAddress, Names.ingressPods),
            base(Names.inputEgress, .input, Names.egressPriority, .sourceAddress, Names.egressPods),
        ]
        var maps: [VerdictMap] = []
        for (type, mapName) in [(PolicyType.egress, Names.egressPods), (.ingress, Names.ingressPods)] {
            let pods = plan.isolated(type)
            for isolated in pods {
                var chain = podChain(isolated, type: type, skipping: allowsNothing)
                chain.provenanceID = provenance.record(.networkPolicy(PolicySource(key: isolated.pod.key, isPod: true,
                                                                                     isEgress: type == .egress)))
                chains.append(chain)
            }
            maps.append(VerdictMap(name: mapName, fields: [type == .egress ? .sourceAddress : .destinationAddress],
                                   keyTypes: [.address(family)], entries: pods.map { isolated in
                VerdictMap.Entry(key: [.address(isolated.pod.address)], verdict: .goto(Names.pod(isolated.pod.key, type)),
                                 comment: isolated.pod.key)
            }))
        }
        chains += policyChains
        return Table(Names.table, chains: chains, sets: sets.sets, maps: maps,
                     family: family == .ipv4 ? .ip : .ip6, comment: Names.tableComment,
                     provenances: ProvenanceStore([provenance]))
    }

    /// A pod's chain: its own traffic to itself passes; otherwise any selecting policy that
    /// accepts decides, and a connection none accepts is dropped.
    private func podChain(_ isolated: PolicyPlan.IsolatedPod, type: PolicyType, skipping empty: Set<ChainName>) -> Chain {
        let key = isolated.pod.key
        let itself = AddressMatch.host(isolated.pod.address)
        var rules = [Rule([type == .egress ? .destination(itself) : .source(itself), .comment(Comment(key, " to itself"))],
                          .accept)]
        for policy in isolated.policies where !empty.contains(PolicyNFTNames.policy(policy)) {
            rules.append(Rule([.comment(Comment("policy ", policy.key))], .jump(PolicyNFTNames.policy(policy))))
        }
        let direction = type == .egress ? "egress" : "ingress"
        rules.append(Rule([.comment(Comment(key, ": no \(direction) policy allows this connection"))], .drop))
        return Chain(PolicyNFTNames.pod(key, type), rules: rules)
    }

    /// The rules accepting one (port, peer) pair of a policy.
    private func allowRules(_ allow: PolicyPlan.Allow, _ policy: PolicyPlan.PolicyReference, _ sets: inout PeerSets) -> [Rule] {
        let comment = Match.comment(Comment(policy.key, " \(policy.label)[\(allow.ruleIndex)]"))
        // Egress rules look at destinations, ingress rules at sources.
        let field: PacketField = policy.type == .egress ? .destinationAddress : .sourceAddress
        switch allow.ports {
        case .named(let l4, let targets):
            // Resolved per destination pod; for egress the targets already are the peer.
            guard policy.type == .ingress else {
                return targets.map { Rule([.destination(.host($0.destination.address)), .l4Protocol(l4),
                                           .destinationPort(PortRange($0.port)), comment], .accept) }
            }
            guard let peer = peerMatches(allow.peer, field: field, &sets) else { return [] }
            return targets.map { Rule([.destination(.host($0.destination.address))] + peer
                                      + [.l4Protocol(l4), .destinationPort(PortRange($0.port)), comment], .accept) }
        case .all:
            guard let peer = peerMatches(allow.peer, field: field, &sets) else { return [] }
            return [Rule(peer + [comment], .accept)]
        case .numbered(let l4, let range):
            guard let peer = peerMatches(allow.peer, field: field, &sets) else { return [] }
            return [Rule(peer + [.l4Protocol(l4)] + (range.map { [.destinationPort($0)] } ?? []) + [comment], .accept)]
        }
    }

    /// Set lookups matching `peer` on `field`; nil when the peer is nobody. An ipBlock's
    /// exceptions are checked first (`!= @except-…`), then its CIDR.
    private func peerMatches(_ peer: PolicyPlan.Peer, field: PacketField, _ sets: inout PeerSets) -> [Match]? {
        switch peer {
        case .nothing:
            return nil
        case .any:
            return []
        case .pods(let members):
            return [.inSet(fields: [field], set: sets.pods(members))]
        case .block(let cidr, let except):
            let inBlock = Match.inSet(fields: [field], set: sets.prefixes(.block, [cidr]))
            guard !except.isEmpty else { return [inBlock] }
            return [.inSet(fields: [field], set: sets.prefixes(.except, except), negated: true), inBlock]
        }
    }
}
