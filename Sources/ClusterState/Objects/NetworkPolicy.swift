import NetworkAddresses

public struct LabelSelectorRequirement: Sendable, Hashable {
    public enum Operator: String, Sendable, Hashable {
        case `in` = "In"
        case notIn = "NotIn"
        case exists = "Exists"
        case doesNotExist = "DoesNotExist"
    }

    public var key: String
    public var `operator`: Operator
    public var values: [String]

    public init(key: String, operator: Operator, values: [String] = []) {
        self.key = key
        self.operator = `operator`
        self.values = values
    }
}

/// A metav1.LabelSelector. The empty selector matches everything.
public struct LabelSelector: Sendable, Hashable {
    public var matchLabels: [String: String]
    public var matchExpressions: [LabelSelectorRequirement]

    public init(matchLabels: [String: String] = [:], matchExpressions: [LabelSelectorRequirement] = []) {
        self.matchLabels = matchLabels
        self.matchExpressions = matchExpressions
    }

    public var isEmpty: Bool { matchLabels.isEmpty && matchExpressions.isEmpty }

    public func matches(_ labels: [String: String]) -> Bool {
        for (key, value) in matchLabels where labels[key] != value { return false }
        for requirement in matchExpressions {
            let value = labels[requirement.key]
            switch requirement.operator {
            case .in: if value.map(requirement.values.contains) != true { return false }
            case .notIn: if let value, requirement.values.contains(value) { return false }
            case .exists: if value == nil { return false }
            case .doesNotExist: if value != nil { return false }
            }
        }
        return true
    }
}

public struct IPBlock: Sendable, Hashable {
    public var cidr: IPPrefix
    public var except: [IPPrefix]

    public init(cidr: IPPrefix, except: [IPPrefix] = []) {
        self.cidr = cidr
        self.except = except
    }
}

/// One `from`/`to` entry. Selector fields both set means both must match (AND).
public struct NetworkPolicyPeer: Sendable, Hashable {
    public var podSelector: LabelSelector?
    public var namespaceSelector: LabelSelector?
    public var ipBlock: IPBlock?

    public init(podSelector: LabelSelector? = nil, namespaceSelector: LabelSelector? = nil, ipBlock: IPBlock? = nil) {
        self.podSelector = podSelector
        self.namespaceSelector = namespaceSelector
        self.ipBlock = ipBlock
    }
}

public struct NetworkPolicyPort: Sendable, Hashable {
    /// Defaulted to TCP.
    public var `protocol`: KubeProtocol
    /// nil = all ports.
    public var port: IntOrString?
    public var endPort: Int?

    public init(protocol: KubeProtocol = .tcp, port: IntOrString? = nil, endPort: Int? = nil) {
        self.protocol = `protocol`
        self.port = port
        self.endPort = endPort
    }
}

/// An ingress or egress rule. `peers` nil (or empty) = every peer; `ports` nil (or empty) =
/// every port.
public struct NetworkPolicyRule: Sendable, Hashable {
    public var peers: [NetworkPolicyPeer]
    public var ports: [NetworkPolicyPort]

    public init(peers: [NetworkPolicyPeer] = [], ports: [NetworkPolicyPort] = []) {
        self.peers = peers
        self.ports = ports
    }
}

public enum PolicyType: String, Sendable, Hashable {
    case ingress = "Ingress"
    case egress = "Egress"
}

/// A networking.k8s.io/v1 NetworkPolicy with `policyTypes` defaulted the way the API server
/// does: Ingress always, plus Egress when egress rules are given.
public struct NetworkPolicy: Sendable, Hashable {
    public var metadata: ObjectMeta
    public var podSelector: LabelSelector
    public var policyTypes: [PolicyType]
    public var ingress: [NetworkPolicyRule]
    public var egress: [NetworkPolicyRule]

    public init(metadata: ObjectMeta, podSelector: LabelSelector = .init(), policyTypes: [PolicyType],
                ingress: [NetworkPolicyRule] = [], egress: [NetworkPolicyRule] = []) {
        self.metadata = metadata
        self.podSelector = podSelector
        self.policyTypes = policyTypes
        self.ingress = ingress
        self.egress = egress
    }
}
