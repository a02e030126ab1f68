import ClusterState
import NetworkAddresses

/// The policy benchmark's cluster: 10,000 pods in 100 namespaces and 1,000 NetworkPolicies,
/// ten per namespace, mixing the shapes people write: default deny, pod selectors, namespace
/// selectors, both in one peer, ipBlocks with exceptions, named and numbered ports, egress.
enum SyntheticPolicies {
    static func state(pods: Int = 10_000, namespaces: Int = 100, policies: Int = 1_000) -> ClusterState {
        var state = ClusterState()
        for index in 0..<namespaces {
            let name = "team\(index)"
            state.namespaces.append(Namespace(metadata: ObjectMeta(
                name: name, labels: ["kubernetes.io/metadata.name": name, "tier": ["frontend", "backend", "data"][index % 3]])))
        }
        for index in 0..<pods {
            let namespace = "team\(index % namespaces)"
            let app = "app\(index / namespaces % 10)"
            state.pods.append(Pod(
                metadata: ObjectMeta(name: "pod\(index)", namespace: namespace,
                                     labels: ["app": app, "role": index % 2 == 0 ? "server" : "client"]),
                containerPorts: [ContainerPort(name: "http", containerPort: 8080), ContainerPort(name: "metrics", containerPort: 9100)],
                phase: "Running", podIPs: [.v4(0x0af4_0000 | UInt32(index))]))
        }
        for index in 0..<policies {
            let namespace = "team\(index % namespaces)"
            let metadata = ObjectMeta(name: "policy\(index)", namespace: namespace)
            let app = "app\(index / namespaces % 10)"
            let selector = LabelSelector(matchLabels: ["app": app])
            switch index / namespaces % 5 {
            case 0:
                // Default deny for the namespace.
                state.networkPolicies.append(NetworkPolicy(metadata: metadata, policyTypes: [.ingress, .egress]))
            case 1:
                // Same app from the same namespace, on the named port.
                state.networkPolicies.append(NetworkPolicy(
                    metadata: metadata, podSelector: selector, policyTypes: [.ingress],
                    ingress: [NetworkPolicyRule(peers: [NetworkPolicyPeer(podSelector: LabelSelector(matchLabels: ["role": "client"]))],
                                                ports: [NetworkPolicyPort(port: .string("http"))])]))
            case 2:
                // Clients from frontend namespaces (namespace AND pod selector in one peer).
                state.networkPolicies.append(NetworkPolicy(
                    metadata: metadata, podSelector: selector, policyTypes: [.ingress],
                    ingress: [NetworkPolicyRule(
                        peers: [NetworkPolicyPeer(podSelector: LabelSelector(matchLabels: ["role": "client"]),
                                                  namespaceSelector: LabelSelector(matchLabels: ["tier": "frontend"]))],
                        ports: [NetworkPolicyPort(port: .int(8080)), NetworkPolicyPort(protocol: .udp, port: .int(53))])]))
            case 3:
                // Egress to the internet except private ranges, and to DNS.
                state.networkPolicies.append(NetworkPolicy(
                    metadata: metadata, podSelector: selector, policyTypes: [.egress],
                    egress: [
                        NetworkPolicyRule(peers: [NetworkPolicyPeer(ipBlock: IPBlock(
                            cidr: IPPrefix("0.0.0.0/0")!, except: [IPPrefix("10.0.0.0/8")!, IPPrefix("192.168.0.0/16")!]))],
                                          ports: [NetworkPolicyPort(port: .int(443))]),
                        NetworkPolicyRule(peers: [NetworkPolicyPeer(namespaceSelector: LabelSelector(matchLabels: ["kubernetes.io/metadata.name": "team0"]))],
                                          ports: [NetworkPolicyPort(protocol: .udp, port: .int(53))]),
                    ]))
            default:
                // Metrics scraping from the data tier, a port range.
                state.networkPolicies.append(NetworkPolicy(
                    metadata: metadata, podSelector: selector, policyTypes: [.ingress],
                    ingress: [NetworkPolicyRule(
                        peers: [NetworkPolicyPeer(namespaceSelector: LabelSelector(matchExpressions: [
                            LabelSelectorRequirement(key: "tier", operator: .in, values: ["data", "backend"])]))],
                        ports: [NetworkPolicyPort(port: .int(9100), endPort: 9110)])]))
            }
        }
        return state
    }
}
