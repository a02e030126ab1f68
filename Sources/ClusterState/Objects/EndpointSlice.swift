import NetworkAddresses

public struct EndpointConditions: Sendable, Hashable {
    /// nil = unknown, which consumers treat as ready.
    public var ready: Bool?
    /// nil = same as ready.
    public var serving: Bool?
    public var terminating: Bool?

    public init(ready: Bool? = nil, serving: Bool? = nil, terminating: Bool? = nil) {
        self.ready = ready
        self.serving = serving
        self.terminating = terminating
    }

    public var isReady: Bool { ready ?? true }
    public var isServing: Bool { serving ?? isReady }
    public var isTerminating: Bool { terminating ?? false }
}

public struct Endpoint: Sendable, Hashable {
    /// `addresses[0]` exactly as written (kube-proxy hashes the written text).
    public var addressText: String
    public var address: IPAddress
    public var conditions: EndpointConditions
    public var nodeName: String?
    public var zone: String?
    /// `hints.forZones[].name`; nil when the endpoint has no hints.
    public var zoneHints: [String]?
    /// `targetRef` when it names a Pod: `namespace/name`.
    public var targetPod: String?

    public init(addressText: String, address: IPAddress, conditions: EndpointConditions = .init(),
                nodeName: String? = nil, zone: String? = nil, zoneHints: [String]? = nil,
                targetPod: String? = nil) {
        self.addressText = addressText
        self.address = address
        self.conditions = conditions
        self.nodeName = nodeName
        self.zone = zone
        self.zoneHints = zoneHints
        self.targetPod = targetPod
    }
}

public struct EndpointPort: Sendable, Hashable {
    public var name: String
    public var `protocol`: KubeProtocol
    /// nil when the slice leaves it unset (no port for this name).
    public var port: Int?

    public init(name: String = "", protocol: KubeProtocol = .tcp, port: Int?) {
        self.name = name
        self.protocol = `protocol`
        self.port = port
    }
}

public enum EndpointAddressType: String, Sendable, Hashable {
    case ipv4 = "IPv4"
    case ipv6 = "IPv6"
    case fqdn = "FQDN"

    public var family: IPFamily? {
        switch self {
        case .ipv4: return .ipv4
        case .ipv6: return .ipv6
        case .fqdn: return nil
        }
    }
}

/// A discovery.k8s.io/v1 EndpointSlice (legacy v1 Endpoints are converted into these).
public struct EndpointSlice: Sendable, Hashable {
    public var metadata: ObjectMeta
    /// The `kubernetes.io/service-name` label.
    public var serviceName: String
    public var addressType: EndpointAddressType
    public var endpoints: [Endpoint]
    public var ports: [EndpointPort]

    public init(metadata: ObjectMeta, serviceName: String, addressType: EndpointAddressType,
                endpoints: [Endpoint] = [], ports: [EndpointPort] = []) {
        self.metadata = metadata
        self.serviceName = serviceName
        self.addressType = addressType
        self.endpoints = endpoints
        self.ports = ports
    }
}
