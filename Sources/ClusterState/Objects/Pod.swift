import NetworkAddresses

public struct ContainerPort: Sendable, Hashable {
    public var name: String?
    public var containerPort: Int
    public var `protocol`: KubeProtocol

    public init(name: String? = nil, containerPort: Int, protocol: KubeProtocol = .tcp) {
        self.name = name
        self.containerPort = containerPort
        self.protocol = `protocol`
    }
}

public struct Pod: Sendable, Hashable {
    public var metadata: ObjectMeta
    public var nodeName: String?
    public var hostNetwork: Bool
    /// Ports of all containers, in declaration order.
    public var containerPorts: [ContainerPort]
    public var phase: String?
    public var podIPs: [IPAddress]

    public init(metadata: ObjectMeta, nodeName: String? = nil, hostNetwork: Bool = false,
                containerPorts: [ContainerPort] = [], phase: String? = nil, podIPs: [IPAddress] = []) {
        self.metadata = metadata
        self.nodeName = nodeName
        self.hostNetwork = hostNetwork
        self.containerPorts = containerPorts
        self.phase = phase
        self.podIPs = podIPs
    }
}

public struct Namespace: Sendable, Hashable {
    public var metadata: ObjectMeta

    public init(metadata: ObjectMeta) {
        self.metadata = metadata
    }
}

/// A v1 Node: supplies the node's name, labels and addresses.
public struct Node: Sendable, Hashable {
    public var metadata: ObjectMeta
    /// `status.addresses` of type InternalIP / ExternalIP, in order.
    public var addresses: [IPAddress]
    public var podCIDRs: [IPPrefix]

    public init(metadata: ObjectMeta, addresses: [IPAddress] = [], podCIDRs: [IPPrefix] = []) {
        self.metadata = metadata
        self.addresses = addresses
        self.podCIDRs = podCIDRs
    }
}
