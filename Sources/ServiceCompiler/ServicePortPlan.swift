import ClusterState
import NetworkAddresses
import RuleModel

/// Everything a backend needs to know about one Service port of one IP family, worked out
/// before any rule is written (the iptables large-cluster decision needs the endpoint total of
/// every port first). Backend-neutral: each layout names its own chains.
public struct ServicePortPlan: Sendable {
    /// `namespace/name:port` (or `namespace/name` for an unnamed port): the key kube-proxy
    /// names chains after and prints in comments.
    public let name: String
    /// Where the port comes from: the Service's namespace and name and the port's name
    /// (empty for an unnamed port).
    public let namespace: String
    public let serviceName: String
    public let portName: String
    public let l4Protocol: L4Protocol
    public let clusterIP: IPAddress
    public let port: UInt16
    /// 0 when the port has none.
    public let nodePort: UInt16
    package let healthCheckNodePort: UInt16
    public let externalIPs: [IPAddress]
    /// LoadBalancer ingress IPs the proxy programs (ipMode Proxy ones left out).
    public let loadBalancerVIPs: [IPAddress]
    public let sourceRanges: [IPPrefix]
    public let externalPolicyLocal: Bool
    public let internalPolicyLocal: Bool
    /// ClientIP session affinity timeout; nil without affinity.
    public let affinitySeconds: UInt32?

    /// Every endpoint known for the port (deduplicated, sorted by endpoint string).
    public let endpoints: [EndpointPlan]
    public let selection: EndpointSelection

    public var externallyAccessible: Bool {
        nodePort != 0 || !loadBalancerVIPs.isEmpty || !externalIPs.isEmpty
    }
}

/// Plans in one manually owned allocation, so that the threads emitting rules from them free
/// them too, each its own share: freeing 10,000 plans on one thread took longer than
/// planning a tenth of them.
package struct ServicePortPlans: ~Copyable {
    package let buffer: UnsafeMutableBufferPointer<ServicePortPlan>

    /// Takes ownership of `buffer`, every element initialized, allocated with `allocate`.
    init(owning buffer: UnsafeMutableBufferPointer<ServicePortPlan>) {
        self.buffer = buffer
    }

    deinit {
        buffer.deinitialize()
        buffer.deallocate()
    }

    /// Frees the memory once the caller has deinitialized every plan in it.
    package consuming func deallocateDeinitialized() {
        buffer.deallocate()
        discard self
    }
}

extension ServicePortPlan {
    /// The bytes of endpoint `index`'s string as a plain value, read in place; nil for text
    /// too long to be held inline (no validated EndpointSlice has any). A value, not a
    /// closure over the endpoint: handing an endpoint or its string to another module's
    /// closure copied it first, retaining its fields.
    package func endpointBytes(_ index: Int) -> EndpointBytes? {
        endpoints.withUnsafeBufferPointer { $0[index].endpointString.inlineBytes }
    }
}

/// One endpoint of a Service port.
public struct EndpointPlan: Sendable {
    /// `IP:PORT` or `[IP]:PORT`, with the IP as written in the EndpointSlice.
    package let endpointString: EndpointText
    public let address: IPAddress
    public let port: UInt16
    /// On this node (its `nodeName` is the node's hostname).
    public let isLocal: Bool
    public let isReady: Bool
    public let isServing: Bool
    public let isTerminating: Bool
    public let zoneHints: [String]?

    /// `IP:PORT` or `[IP]:PORT` as kube-proxy spells the endpoint.
    public var endpoint: String { endpointString.description }

    /// The endpoint's bytes (`IP:PORT`, `[IP]:PORT`), valid inside `body` only.
    public func withEndpointBytes<Result>(_ body: (UnsafeRawBufferPointer) throws -> Result) rethrows -> Result {
        try endpointString.withBytes(body)
    }
}
