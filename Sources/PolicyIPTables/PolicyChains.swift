import ClusterState
import NetworkAddresses
import PolicyCompiler
import RuleModel
import ServiceCompiler

/// What tools reading a dump need to know of the policy chains' names.
public enum PolicyIPTablesNames {
    /// Every NetworkPolicy chain's name starts with it; nothing else's does.
    public static let chainPrefix = "PP-"
}

/// Names of the NetworkPolicy chains. All start with `PP-` (`PolicyIPTablesNames.chainPrefix`); per-object chains end in kube-proxy's 16-character hash of what they stand
/// for, so names are stable across runs and never collide.
enum PolicyChains {
    /// Entered from the built-in FORWARD chain: routed traffic of pods.
    static let forward: ChainName = "PP-FORWARD"
    /// Entered from the built-in INPUT chain: pods talking to the node itself.
    static let input: ChainName = "PP-INPUT"
    /// Dispatch by source address to the egress chain of each egress-isolated pod.
    static let egressPods: ChainName = "PP-EGRESS-PODS"
    /// Dispatch by destination address to the ingress chain of each ingress-isolated pod.
    static let ingressPods: ChainName = "PP-INGRESS-PODS"
    /// Sets the "allowed" mark bit; policy rules `goto` it.
    static let allow: ChainName = "PP-ALLOW"

    /// A pod's chain for one direction; `key` is the pod's `namespace/name`.
    static func pod(_ key: String, _ type: PolicyType) -> ChainName {
        ChainHash.chainName(prefix: type == .egress ? "PP-POD-E-" : "PP-POD-I-", input: key)
    }

    /// A policy's chain for one direction.
    static func policy(_ policy: PolicyPlan.PolicyReference) -> ChainName {
        ChainHash.chainName(prefix: policy.type == .egress ? "PP-POL-E-" : "PP-POL-I-", input: policy.key)
    }

    /// A group of pod addresses, matched as destinations (egress peers) or sources (ingress peers).
    static func addressGroup(_ direction: PacketDirection, members: String) -> ChainName {
        ChainHash.chainName(prefix: direction == .destination ? "PP-DST-" : "PP-SRC-", input: members)
    }

    /// An ipBlock with `except` entries.
    static func block(_ direction: PacketDirection, cidr: IPPrefix, except: [IPPrefix]) -> ChainName {
        let text = ([cidr] + except).map(\.description).joined(separator: ",")
        return ChainHash.chainName(prefix: direction == .destination ? "PP-BLK-D-" : "PP-BLK-S-", input: text)
    }
}
