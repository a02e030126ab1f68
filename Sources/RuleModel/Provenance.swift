/// What a chain or rule was laid out for: a Service port (and which of its parts or
/// endpoints), or NetworkPolicy. Layouts set it as they build; review tools read it instead of
/// guessing from names or comments. Printers and encoders ignore it, and it never takes part in
/// comparing rules or chains (a dump read back has none). Tables keep it (`ProvenanceStore`);
/// rules, chains and map elements name it by a `ProvenanceID`.
public enum Provenance: Sendable, Hashable {
    case servicePort(ServicePortSource, ServicePortPart)
    /// A NetworkPolicy chain or rule; nil for the policy layout's shared machinery (entry,
    /// dispatch by pod, the allow chain, peer groups).
    case networkPolicy(PolicySource?)

    /// The Service port, when this belongs to one.
    public var servicePort: ServicePortSource? {
        if case .servicePort(let source, _) = self { return source }
        return nil
    }

    public var servicePortPart: ServicePortPart? {
        if case .servicePort(_, let part) = self { return part }
        return nil
    }

    public var isNetworkPolicy: Bool {
        if case .networkPolicy = self { return true }
        return false
    }
}

/// One Service port: made once per port and shared by everything laid out for it.
public final class ServicePortSource: Sendable, Hashable, CustomStringConvertible {
    /// `namespace/name:port`, or `namespace/name` for an unnamed port.
    public let name: String
    public let l4Protocol: L4Protocol?

    public init(name: String, l4Protocol: L4Protocol?) {
        self.name = name
        self.l4Protocol = l4Protocol
    }

    public var description: String { name }

    public static func == (lhs: ServicePortSource, rhs: ServicePortSource) -> Bool {
        lhs === rhs || (lhs.name == rhs.name && lhs.l4Protocol == rhs.l4Protocol)
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(name)
        hasher.combine(l4Protocol)
    }
}

/// Which part of a Service port's layout.
public enum ServicePortPart: Sendable, Hashable {
    /// A rule in a chain shared by every Service, or an element of a shared map: how traffic
    /// enters the port (cluster IP, external and load-balancer IPs, node ports), including
    /// the filtering of entry points without endpoints.
    case entry(EntryPoint)
    /// Dispatch to the endpoints the cluster traffic policy uses.
    case clusterDispatch
    /// Dispatch to the endpoints on this node (traffic policy Local).
    case localDispatch
    /// Traffic from outside the cluster.
    case external
    /// Load-balancer source ranges.
    case firewall
    /// One endpoint; the index is the endpoint's position in the port's endpoints (sorted by
    /// endpoint string), -1 when it is not known (a rule set read back).
    case endpoint(Int32)

    public var isDispatch: Bool { self == .clusterDispatch || self == .localDispatch }

    /// The entry point, for a part that is one.
    public var entryPoint: EntryPoint? {
        if case .entry(let entryPoint) = self { return entryPoint }
        return nil
    }
}

/// A way into a Service port.
public enum EntryPoint: String, Sendable, Hashable, CaseIterable {
    case clusterIP = "ClusterIP"
    case externalIP = "external IP"
    case loadBalancerIP = "load-balancer IP"
    /// kube-proxy's nftables mode keeps external and load-balancer IPs in one map without
    /// saying which: what a dump of it read back can tell.
    case externalOrLoadBalancerIP = "external or load-balancer IP"
    case nodePort = "NodePort"
    /// The health-check node port of a LoadBalancer with externalTrafficPolicy Local.
    case healthCheckNodePort = "health-check node port"
}

/// A NetworkPolicy, or a pod it isolates, in one direction.
public final class PolicySource: Sendable, Hashable {
    /// `namespace/name` of the policy, or of the pod for a pod's chain.
    public let key: String
    public let isPod: Bool
    public let isEgress: Bool
    /// The rule's index in the policy's `ingress`/`egress` list; nil for the whole policy.
    public let ruleIndex: Int?

    public init(key: String, isPod: Bool, isEgress: Bool, ruleIndex: Int? = nil) {
        self.key = key
        self.isPod = isPod
        self.isEgress = isEgress
        self.ruleIndex = ruleIndex
    }

    public static func == (lhs: PolicySource, rhs: PolicySource) -> Bool {
        lhs === rhs || (lhs.key == rhs.key && lhs.isPod == rhs.isPod && lhs.isEgress == rhs.isEgress && lhs.ruleIndex == rhs.ruleIndex)
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(key)
        hasher.combine(isPod)
        hasher.combine(isEgress)
        hasher.combine(ruleIndex)
    }
}

extension ServicePortPart {
    /// The part as a nonzero number below 2^32 (a `ProvenanceSegment` entry's high word), nil
    /// for an endpoint index no layout makes (below -1). Endpoint i is 16 + i.
    @inlinable var code: UInt64? {
        switch self {
        case .entry(.clusterIP): return 1
        case .entry(.externalIP): return 2
        case .entry(.loadBalancerIP): return 3
        case .entry(.externalOrLoadBalancerIP): return 4
        case .entry(.nodePort): return 5
        case .entry(.healthCheckNodePort): return 6
        case .clusterDispatch: return 7
        case .localDispatch: return 8
        case .external: return 9
        case .firewall: return 10
        case .endpoint(let index): return index >= 0 ? 16 + UInt64(index) : index == -1 ? 11 : nil
        }
    }

    /// The part of a `code`.
    init(code: UInt64) {
        switch code {
        case 1: self = .entry(.clusterIP)
        case 2: self = .entry(.externalIP)
        case 3: self = .entry(.loadBalancerIP)
        case 4: self = .entry(.externalOrLoadBalancerIP)
        case 5: self = .entry(.nodePort)
        case 6: self = .entry(.healthCheckNodePort)
        case 7: self = .clusterDispatch
        case 8: self = .localDispatch
        case 9: self = .external
        case 10: self = .firewall
        case 11: self = .endpoint(-1)
        default:
            precondition(code >= 16, "no provenance part has code \(code)")
            self = .endpoint(Int32(truncatingIfNeeded: code - 16))
        }
    }
}
