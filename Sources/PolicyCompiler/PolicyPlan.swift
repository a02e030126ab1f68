import ClusterState
import NetworkAddresses
import RuleModel
import ServiceCompiler

/// What the NetworkPolicies of a node mean for one IP family, before any backend lays it out:
/// which local pods each direction isolates (and by which policies, in order), and for every
/// (policy, direction) the allowed (peer, port) pairs with their provenance. The iptables
/// chains (`PolicyIPTables`) and the nftables table (`PolicyNFTables`) both read this, so
/// they cannot disagree on who may talk to whom.
public struct PolicyPlan: Sendable {
    /// A local pod a policy selects.
    public struct Pod: Sendable, Hashable {
        public let key: String
        public let address: IPAddress
    }

    /// One pod isolated in one direction, with the policies selecting it (sorted by key).
    public struct IsolatedPod: Sendable {
        public let pod: Pod
        public let policies: [PolicyReference]
    }

    /// A policy in one direction.
    public struct PolicyReference: Sendable, Hashable {
        /// `namespace/name`.
        public let key: String
        public let type: PolicyType
    }

    /// Who a peer is, resolved in this family.
    public enum Peer: Sendable, Hashable {
        /// No `from`/`to`: everyone.
        case any
        /// Pod and namespace selectors: these pods' addresses (sorted by pod position).
        case pods([Pod])
        /// An ipBlock; `except` holds only this family's exceptions.
        case block(cidr: IPPrefix, except: [IPPrefix])
        /// Selects nothing in this family (an ipBlock of the other family, or no pods).
        case nothing
    }

    /// A port named in a rule, resolved on one destination pod.
    public struct NamedPortTarget: Sendable, Hashable {
        public let destination: Pod
        public let port: UInt16
    }

    /// The ports of a rule entry.
    public enum Ports: Sendable, Hashable {
        /// No `ports`: every port and protocol.
        case all
        /// A protocol, optionally with a port range.
        case numbered(L4Protocol, PortRange?)
        /// A named port: for ingress, each selected pod that declares it (the peer still
        /// matches the source); for egress, each destination pod of the peer that declares it
        /// (the destination list already is the peer).
        case named(L4Protocol, [NamedPortTarget])
    }

    /// One allowed (rule, port, peer) of a policy.
    public struct Allow: Sendable, Hashable {
        /// Index of the rule in the policy's `ingress` or `egress` list.
        public let ruleIndex: Int
        public let ports: Ports
        public let peer: Peer
    }

    /// A policy's allows in one direction.
    public struct PolicyRules: Sendable {
        public let policy: PolicyReference
        public let allows: [Allow]
    }

    /// Isolated pods per direction, ascending by pod position.
    public let egress: [IsolatedPod]
    public let ingress: [IsolatedPod]
    /// Policies that select at least one local pod, per direction, in policy-key order
    /// (egress before ingress for each policy).
    public let policies: [PolicyRules]

    public var isEmpty: Bool { egress.isEmpty && ingress.isEmpty }

    public func isolated(_ type: PolicyType) -> [IsolatedPod] { type == .egress ? egress : ingress }

    /// Plans `state`'s policies for `family`.
    public init(_ state: ClusterState, family: IPFamily) {
        let index = PodIndex(state: state, family: family)
        let planner = PolicyPlanner(index: index, family: family)
        self = planner.plan(state.networkPolicies.sorted { $0.metadata.key < $1.metadata.key })
    }

    init(egress: [IsolatedPod], ingress: [IsolatedPod], policies: [PolicyRules]) {
        self.egress = egress
        self.ingress = ingress
        self.policies = policies
    }
}

/// Resolves selectors, peers and named ports against the pod index.
struct PolicyPlanner {
    let index: PodIndex
    let family: IPFamily

    func plan(_ policies: [NetworkPolicy]) -> PolicyPlan {
        var selecting: [PolicyType: [Int: [PolicyPlan.PolicyReference]]] = [.ingress: [:], .egress: [:]]
        var rules: [PolicyPlan.PolicyRules] = []
        for policy in policies {
            let selected = index.pods(in: policy.metadata.namespace, matching: policy.podSelector)
                .filter { index.entries[$0].isLocal }
            guard !selected.isEmpty else { continue }
            for type in [PolicyType.egress, .ingress] where policy.policyTypes.contains(type) {
                let reference = PolicyPlan.PolicyReference(key: policy.metadata.key, type: type)
                for position in selected { selecting[type]![position, default: []].append(reference) }
                rules.append(PolicyPlan.PolicyRules(policy: reference, allows: allows(policy, type: type, selected: selected)))
            }
        }
        func isolated(_ type: PolicyType) -> [PolicyPlan.IsolatedPod] {
            selecting[type]!.keys.sorted().map { PolicyPlan.IsolatedPod(pod: pod($0), policies: selecting[type]![$0]!) }
        }
        return PolicyPlan(egress: isolated(.egress), ingress: isolated(.ingress), policies: rules)
    }

    private func pod(_ position: Int) -> PolicyPlan.Pod {
        PolicyPlan.Pod(key: index.entries[position].pod.metadata.key, address: index.entries[position].address)
    }

    private func allows(_ policy: NetworkPolicy, type: PolicyType, selected: [Int]) -> [PolicyPlan.Allow] {
        var allows: [PolicyPlan.Allow] = []
        for (ruleIndex, rule) in (type == .egress ? policy.egress : policy.ingress).enumerated() {
            let peers = rule.peers.isEmpty ? [Resolved.any] : rule.peers.map { resolve($0, namespace: policy.metadata.namespace) }
            let ports: [NetworkPolicyPort?] = rule.ports.isEmpty ? [nil] : rule.ports
            for port in ports {
                for peer in peers {
                    allows.append(PolicyPlan.Allow(ruleIndex: ruleIndex, ports: self.ports(port, peer: peer, type: type, selected: selected),
                                                   peer: planned(peer)))
                }
            }
        }
        return allows
    }

    /// A peer by pod position (named ports need the pods' declarations).
    private enum Resolved {
        case any
        case pods([Int])
        case block(IPBlock)
        case nothing
    }

    private func resolve(_ peer: NetworkPolicyPeer, namespace: String) -> Resolved {
        if let block = peer.ipBlock {
            return block.cidr.family == family ? .block(block) : .nothing
        }
        let namespaces = peer.namespaceSelector.map { index.namespaces(matching: $0) } ?? [namespace]
        let podSelector = peer.podSelector ?? LabelSelector()
        return .pods(namespaces.flatMap { index.pods(in: $0, matching: podSelector) }.sorted())
    }

    private func planned(_ peer: Resolved) -> PolicyPlan.Peer {
        switch peer {
        case .any: return .any
        case .nothing: return .nothing
        case .pods(let members): return members.isEmpty ? .nothing : .pods(members.map(pod))
        case .block(let block): return .block(cidr: block.cidr, except: block.except.filter { $0.family == family })
        }
    }

    private func ports(_ port: NetworkPolicyPort?, peer: Resolved, type: PolicyType, selected: [Int]) -> PolicyPlan.Ports {
        guard let port else { return .all }
        let l4 = L4Protocol(port.protocol)
        switch port.port {
        case .int(let first)?:
            let last = port.endPort ?? first
            return .numbered(l4, PortRange(first: UInt16(clamping: first), last: UInt16(clamping: last))!)
        case nil:
            return .numbered(l4, nil)
        case .string(let name):
            // Named ports resolve on the destination pod.
            let destinations: [Int]
            if type == .ingress {
                destinations = selected
            } else {
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
            }
            return .named(l4, destinations.compactMap { position in
                index.entries[position].pod.containerPorts
                    .first { $0.name == name && $0.protocol == port.protocol }
                    .map { PolicyPlan.NamedPortTarget(destination: pod(position), port: UInt16(clamping: $0.containerPort)) }
            })
        }
    }
}
