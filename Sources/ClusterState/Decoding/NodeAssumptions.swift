/// The one note about node facts no input stated (SettingsResolver leaves them unknown), and
/// what that leaves out: Pods on other nodes get no NetworkPolicy chains here, nor do policies
/// that select only such Pods.
enum NodeAssumptions {
    static func note(_ unstated: [UnstatedNodeFact], state: ClusterState) -> ManifestWarning? {
        guard !unstated.isEmpty else { return nil }
        let hostname = state.settings.hostname
        var assumed: [String] = []
        for fact in unstated {
            switch fact {
            case .hostname:
                assumed.append("no hostname (no endpoint or Pod counts as on this node)")
            case .nodeIPs:
                assumed.append("no node IPs (only loopback addresses are the node's)")
            case .clusterCIDR:
                assumed.append("no cluster CIDR (no local-traffic detector, as kube-proxy without one: "
                    + "no masquerade rules for traffic from outside the pod network)")
            }
        }
        func isLocal(_ pod: Pod) -> Bool { pod.nodeName.map { $0 == hostname && !hostname.isEmpty } ?? true }
        let podsLeftOut = state.pods.filter { !isLocal($0) }.count
        let podsByNamespace = Dictionary(grouping: state.pods, by: \.metadata.namespace)
        let policiesLeftOut = state.networkPolicies.filter { policy in
            let selected = (podsByNamespace[policy.metadata.namespace] ?? []).filter { policy.podSelector.matches($0.metadata.labels) }
            return !selected.isEmpty && !selected.contains(where: isLocal)
        }.count
        var message = "the input does not say which node this is (no Node, NodeConfig or KubeProxyConfiguration states it); assumed "
            + assumed.joined(separator: ", ")
        if !state.pods.isEmpty || !state.networkPolicies.isEmpty {
            message += "; \(count(podsLeftOut, "Pod")) and \(count(policiesLeftOut, "NetworkPolicy", "NetworkPolicies")) left out as not on this node"
        }
        message += " — add a Node or NodeConfig (or --node NAME) to say which node"
        return ManifestWarning(file: "", document: 0, line: 0, message: message, isNote: true)
    }

    private static func count(_ n: Int, _ singular: String, _ plural: String? = nil) -> String {
        "\(n) \(n == 1 ? singular : plural ?? singular + "s")"
    }
}
