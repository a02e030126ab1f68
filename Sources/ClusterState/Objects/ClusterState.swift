import NetworkAddresses

/// A validated snapshot of everything PacketPath compiles: the node's settings and the
/// cluster objects that shape its packet path.
public struct ClusterState: Sendable {
    public var settings: NodeSettings
    public var services: [Service]
    public var endpointSlices: [EndpointSlice]
    public var pods: [Pod]
    public var namespaces: [Namespace]
    public var nodes: [Node]
    public var networkPolicies: [NetworkPolicy]
    /// Read for the review tools (routing, lint); they add no rules.
    public var ingresses: [Ingress] = []
    public var ingressClasses: [IngressClass] = []

    public init(settings: NodeSettings = .testDefaults, services: [Service] = [],
                endpointSlices: [EndpointSlice] = [], pods: [Pod] = [], namespaces: [Namespace] = [],
                nodes: [Node] = [], networkPolicies: [NetworkPolicy] = []) {
        self.settings = settings
        self.services = services
        self.endpointSlices = endpointSlices
        self.pods = pods
        self.namespaces = namespaces
        self.nodes = nodes
        self.networkPolicies = networkPolicies
    }

    /// The families that appear in the Services and endpoints of this state, in order.
    public var familiesPresent: [IPFamily] {
        var seen = Set<IPFamily>()
        for service in services { for ip in service.clusterIPs { seen.insert(ip.family) } }
        for slice in endpointSlices { if let family = slice.addressType.family { seen.insert(family) } }
        for pod in pods { for ip in pod.podIPs { seen.insert(ip.family) } }
        return IPFamily.allCases.filter(seen.contains)
    }
}
