import ClusterState
import NetworkAddresses
import RuleModel

/// Everything the rule emitter needs to know about one Service port, worked out before any
/// rule is written (the large-cluster decision needs the endpoint total of every port first).
struct ServicePortPlan {
    /// `namespace/name:port` (or `namespace/name` for an unnamed port): the key kube-proxy
    /// names chains after and prints in comments.
    let name: String
    let l4Protocol: L4Protocol
    let clusterIP: IPAddress
    let port: UInt16
    let nodePort: UInt16
    let healthCheckNodePort: UInt16
    let externalIPs: [IPAddress]
    let loadBalancerVIPs: [IPAddress]
    let sourceRanges: [IPPrefix]
    let externalPolicyLocal: Bool
    let internalPolicyLocal: Bool
    let affinitySeconds: UInt32?

    let serviceChain: ChainName
    let localChain: ChainName
    let externalChain: ChainName
    let firewallChain: ChainName

    /// Every endpoint known for the port (deduplicated, sorted by endpoint string).
    let endpoints: [EndpointPlan]
    let selection: EndpointSelection

    var externallyAccessible: Bool {
        nodePort != 0 || !loadBalancerVIPs.isEmpty || !externalIPs.isEmpty
    }
}

/// Plans in one manually owned allocation, so that the threads emitting rules from them free
/// them too, each its own share: freeing 10,000 plans on one thread took longer than
/// planning a tenth of them.
struct ServicePortPlans: ~Copyable {
    let buffer: UnsafeMutableBufferPointer<ServicePortPlan>

    /// Takes ownership of `buffer`, every element initialized, allocated with `allocate`.
    init(owning buffer: UnsafeMutableBufferPointer<ServicePortPlan>) {
        self.buffer = buffer
    }

    deinit {
        buffer.deinitialize()
        buffer.deallocate()
    }

    /// Frees the memory once the caller has deinitialized every plan in it.
    consuming func deallocateDeinitialized() {
        buffer.deallocate()
        discard self
    }
}

/// One endpoint of a Service port.
struct EndpointPlan {
    /// `IP:PORT` or `[IP]:PORT`, with the IP as written in the EndpointSlice.
    let endpointString: EndpointText
    let address: IPAddress
    let port: UInt16
    let isLocal: Bool
    let isReady: Bool
    let isServing: Bool
    let isTerminating: Bool
    let zoneHints: [String]?
    let chain: ChainName
}
