import ClusterState
import PolicyCompiler
import RuleModel
import ServiceCompiler

/// Names and priorities of PacketPath's own NetworkPolicy table. It is a table of its own,
/// never objects inside kube-proxy's: kube-proxy flushes and rewrites its table on every
/// sync, and two owners of one table would undo each other.
public enum PolicyNFTNames {
    public static let table = "packetpath-policy"
    static let tableComment = "packetpath network policies"

    /// Base chains. Egress and ingress are separate base chains at the same hook, so each can
    /// end in a plain `accept` or `drop`: an accept ends only its own base chain, and the
    /// packet still meets the next one, so a connection passes only when both allow it
    /// (what the iptables layout composes with its allow mark bit).
    static let forwardEgress: ChainName = "forward-egress"
    static let forwardIngress: ChainName = "forward-ingress"
    /// Pods talking to the node: only the pod's egress applies (the node is no pod).
    static let inputEgress: ChainName = "input-egress"

    /// Verdict maps: source address → the pod's egress chain, destination → ingress chain.
    static let egressPods: ChainName = "egress-pods"
    static let ingressPods: ChainName = "ingress-pods"

    /// Policies are judged on the endpoint, so after kube-proxy's DNAT, which it does at
    /// `dstnat` on prerouting and output. The forward and input hooks come after prerouting,
    /// so any priority there sees the rewritten destination; `filter` also puts us after
    /// kube-proxy's own filter chains (`dstnat - 10`), so its rejects for Services without
    /// endpoints answer first, as they do in the iptables layout.
    public static let egressPriority = ChainPriority(.filter)
    /// Ingress is judged after egress (its own base chain, one step later).
    public static let ingressPriority = ChainPriority(.filter, offset: 1)

    /// nft allows 256-byte names; leave room for the prefix and hash.
    static let maximumKeyLength = 200

    /// `pod-egress-<hash>-<namespace/name>`: hashed so names never collide, readable for people.
    static func pod(_ key: String, _ type: PolicyType) -> ChainName {
        named(type == .egress ? "pod-egress-" : "pod-ingress-", hashOf: key, readable: key)
    }

    static func policy(_ policy: PolicyPlan.PolicyReference) -> ChainName {
        named(policy.type == .egress ? "policy-egress-" : "policy-ingress-", hashOf: policy.key, readable: policy.key)
    }

    /// A set of pod addresses; `members` is their joined addresses (the same group in
    /// several rules and both directions is one set).
    static func podAddresses(_ members: String) -> ChainName {
        named("pods-", hashOf: members, readable: nil)
    }

    /// What an interval set of prefixes holds.
    enum PrefixSet: String {
        /// An ipBlock's CIDR.
        case block
        /// Its exceptions.
        case except
    }

    static func prefixes(_ kind: PrefixSet, _ text: String) -> ChainName {
        named(kind.rawValue + "-", hashOf: text, readable: nil)
    }

    private static func named(_ prefix: String, hashOf input: String, readable: String?) -> ChainName {
        let hash = ChainHash.suffix(of: input).prefix(8)
        guard let readable else { return ChainName(prefix + hash) }
        return ChainName(prefix + hash + "-" + readable.prefix(maximumKeyLength))
    }
}

extension PolicyPlan.PolicyReference {
    var label: String { type == .egress ? "egress" : "ingress" }
}
