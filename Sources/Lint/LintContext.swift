import ClusterState

/// The state with the lookups every check needs.
public struct LintContext: Sendable {
    public let state: ClusterState
    /// Inclusive NodePort range of the API server (`--service-node-port-range`).
    public let nodePortRange: ClosedRange<Int>
    let podsByNamespace: [String: [Pod]]
    let slicesByService: [String: [EndpointSlice]]

    public init(state: ClusterState, nodePortRange: ClosedRange<Int> = 30000...32767) {
        self.state = state
        self.nodePortRange = nodePortRange
        podsByNamespace = Dictionary(grouping: state.pods, by: \.metadata.namespace)
        slicesByService = Dictionary(grouping: state.endpointSlices) { $0.metadata.namespace + "/" + $0.serviceName }
    }

    /// Checks about selectors only make sense when the input lists the Pods.
    var hasPods: Bool { !state.pods.isEmpty }

    func pods(in namespace: String) -> [Pod] { podsByNamespace[namespace] ?? [] }

    /// The Pods a Service's selector picks (none for a Service without selector).
    func selectedPods(_ service: Service) -> [Pod] {
        guard let selector = service.selector, !selector.isEmpty else { return [] }
        return pods(in: service.metadata.namespace).filter { pod in selector.allSatisfy { pod.metadata.labels[$0.key] == $0.value } }
    }

    func slices(of service: Service) -> [EndpointSlice] { slicesByService[service.metadata.key] ?? [] }

    /// Whether the Service's slices hold endpoints at addresses no Pod of the input has: the
    /// selector then matches Pods the input leaves out.
    func hasEndpointsOfUnlistedPods(_ service: Service) -> Bool {
        let podAddresses = Set(pods(in: service.metadata.namespace).flatMap(\.podIPs))
        return slices(of: service).contains { slice in slice.endpoints.contains { !podAddresses.contains($0.address) } }
    }

    /// Services that get rules: a cluster IP and not ExternalName.
    var proxiedServices: [Service] {
        state.services.filter { $0.type != .externalName && !$0.clusterIPs.isEmpty }
    }
}

/// One lint check.
public protocol LintCheck: Sendable {
    /// A stable identifier, e.g. `service-selector-no-pods`.
    var id: String { get }
    func findings(in context: LintContext) -> [Finding]
}
