import ClusterState

/// Which endpoints of a Service port each traffic policy uses (kube-proxy's
/// `CategorizeEndpoints`). Lists hold indices into the port's sorted endpoint list.
public struct EndpointSelection: Sendable {
    public internal(set) var clusterEndpoints: [Int] = []
    public internal(set) var localEndpoints: [Int] = []
    /// Endpoints that get an endpoint chain: the union of the two lists, in endpoint order.
    public internal(set) var reachableEndpoints: [Int] = []
    /// Some endpoint anywhere can serve this port.
    public internal(set) var hasEndpoints = false

    /// Topology inputs for the zone-hint filter.
    struct Topology {
        var featureGates: FeatureGates
        /// `service.kubernetes.io/topology-aware-hints`, else `.../topology-mode`.
        var hintsAnnotation: String?
        var nodeZone: String?
    }

    init(endpoints: [EndpointPlan], usesClusterEndpoints: Bool, usesLocalEndpoints: Bool, topology: Topology) {
        var usedTopology = false
        var usedServingTerminating = false

        if usesClusterEndpoints {
            usedTopology = EndpointSelection.canUseTopology(endpoints, topology)
            let zone = topology.nodeZone ?? ""
            clusterEndpoints = endpoints.indices.filter { index in
                let endpoint = endpoints[index]
                guard endpoint.isReady else { return false }
                return !usedTopology || endpoint.zoneHints?.contains(zone) == true
            }
            // No ready endpoint anywhere: fall back to serving+terminating ones, ignoring
            // topology, rather than dropping connections during a rollout.
            if clusterEndpoints.isEmpty {
                clusterEndpoints = endpoints.indices.filter { endpoints[$0].isServing && endpoints[$0].isTerminating }
            }
            hasEndpoints = !clusterEndpoints.isEmpty
        }

        guard usesLocalEndpoints else {
            reachableEndpoints = clusterEndpoints
            return
        }

        var hasLocalReady = false
        var hasLocalServingTerminating = false
        for endpoint in endpoints {
            if endpoint.isReady {
                hasEndpoints = true
                if endpoint.isLocal { hasLocalReady = true }
            } else if endpoint.isServing && endpoint.isTerminating {
                hasEndpoints = true
                if endpoint.isLocal { hasLocalServingTerminating = true }
            }
        }
        if hasLocalReady {
            localEndpoints = endpoints.indices.filter { endpoints[$0].isLocal && endpoints[$0].isReady }
        } else if hasLocalServingTerminating {
            usedServingTerminating = true
            localEndpoints = endpoints.indices.filter {
                endpoints[$0].isLocal && endpoints[$0].isServing && endpoints[$0].isTerminating
            }
        }

        guard usesClusterEndpoints else {
            reachableEndpoints = localEndpoints
            return
        }
        if !usedTopology && !usedServingTerminating {
            // Cluster endpoints are then every ready endpoint, a superset of the local ones.
            reachableEndpoints = clusterEndpoints
            return
        }
        reachableEndpoints = Array(Set(clusterEndpoints).union(localEndpoints)).sorted()
    }

    /// Zone hints are honoured only when a gate allows it, the Service asks for it (unless
    /// ServiceTrafficDistribution is on), the node has a zone, every ready endpoint carries
    /// hints, and at least one ready endpoint is hinted for this node's zone.
    private static func canUseTopology(_ endpoints: [EndpointPlan], _ topology: Topology) -> Bool {
        let gates = topology.featureGates
        guard gates.topologyAwareHints || gates.serviceTrafficDistribution else { return false }
        if !gates.serviceTrafficDistribution {
            let annotation = topology.hintsAnnotation ?? ""
            if annotation.isEmpty || annotation == "disabled" || annotation == "Disabled" { return false }
        }
        guard let zone = topology.nodeZone, !zone.isEmpty else { return false }
        var hasEndpointForZone = false
        for endpoint in endpoints where endpoint.isReady {
            guard let hints = endpoint.zoneHints, !hints.isEmpty else { return false }
            if hints.contains(zone) { hasEndpointForZone = true }
        }
        return hasEndpointForZone
    }
}
