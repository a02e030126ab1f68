import ClusterState
import NetworkAddresses

/// The cluster a Service lab builds: a manifest (loaded with `ManifestLoader`), the node's
/// settings, and the external clients that stand outside the cluster CIDR.
public struct ServiceLabScenario: Sendable {
    public var cluster: ClusterState
    public var externalClients: [LabHostSpec]
    public var nodeAddress: IPAddress

    public init(manifest: String, externalClients: [LabHostSpec], settings: NodeSettings) throws {
        var cluster = try ManifestLoader.load(sources: [ManifestSource(name: "service-lab.yaml", text: manifest)]).state
        cluster.settings = settings
        self.cluster = cluster
        self.externalClients = externalClients
        guard let nodeAddress = settings.nodeIP(for: .ipv4) else { throw LabError("the lab node needs an IPv4 node IP") }
        self.nodeAddress = nodeAddress
    }

    /// The standard scenario of `ServiceLabChecks` (all in namespace `default`):
    ///
    /// | Service | addresses | ports | endpoints |
    /// |---|---|---|---|
    /// | `spread` | ClusterIP 10.96.0.10 | 80/TCP→8080, 53/UDP→5353 | b1 b2 b3 |
    /// | `empty` | ClusterIP 10.96.0.11 | 80/TCP, 53/UDP | none |
    /// | `sticky` (ClientIP affinity) | ClusterIP 10.96.0.12 | as `spread` | b1 b2 b3 |
    /// | `public` (LoadBalancer, ETP Cluster) | 10.96.0.13, LB 203.0.113.100, NodePorts 30080/TCP 30053/UDP | as `spread` | b1 b2 b3 |
    /// | `local` (LoadBalancer, ETP Local) | 10.96.0.14, LB 203.0.113.101, NodePorts 30081/TCP 30054/UDP | as `spread` | b1 (local), b4 (node `other-node`) |
    /// | `self` | ClusterIP 10.96.0.15 | as `spread` | b1 (hairpin) |
    ///
    /// Pods: `client` 10.244.0.5; b1-b3 10.244.1.11-13 on `lab-node`; b4 10.244.2.14 on
    /// `other-node` (wired to the lab node like the others, so only the rules keep traffic off
    /// it). External client `external` 203.0.113.10, outside the cluster CIDR 10.244.0.0/16.
    /// Node `lab-node` has 192.0.2.1.
    public static func standard() throws -> ServiceLabScenario {
        try ServiceLabScenario(
            manifest: StandardServiceLab.manifest,
            externalClients: [LabHostSpec(name: StandardServiceLab.external, address: IPAddress("203.0.113.10")!)],
            settings: .lab(hostname: "lab-node"))
    }
}

/// Names and addresses of the standard scenario.
public enum StandardServiceLab {
    public static let client = "default/client"
    public static let external = "external"
    public static let spreadBackends = ["b1", "b2", "b3"]
    public static let localBackend = "b1"
    public static let remoteBackend = "b4"
    public static let hairpinBackend = "default/b1"

    public static let spread = IPAddress("10.96.0.10")!
    public static let empty = IPAddress("10.96.0.11")!
    public static let sticky = IPAddress("10.96.0.12")!
    public static let publicClusterIP = IPAddress("10.96.0.13")!
    public static let publicLoadBalancer = IPAddress("203.0.113.100")!
    public static let localClusterIP = IPAddress("10.96.0.14")!
    public static let localLoadBalancer = IPAddress("203.0.113.101")!
    public static let hairpin = IPAddress("10.96.0.15")!

    /// Service port per protocol, and the NodePorts of `public` and `local`.
    public static func servicePort(_ proto: KubeProtocol) -> Int { proto == .udp ? 53 : 80 }
    public static func publicNodePort(_ proto: KubeProtocol) -> Int { proto == .udp ? 30053 : 30080 }
    public static func localNodePort(_ proto: KubeProtocol) -> Int { proto == .udp ? 30054 : 30081 }

    static let manifest: String = {
        var documents = [pod("client", "10.244.0.5", node: "lab-node", app: "client")]
        documents += [("b1", "10.244.1.11"), ("b2", "10.244.1.12"), ("b3", "10.244.1.13")].map {
            pod($0.0, $0.1, node: "lab-node", app: "backend")
        }
        documents.append(pod("b4", "10.244.2.14", node: "other-node", app: "backend"))
        let trio = [("b1", "10.244.1.11", "lab-node"), ("b2", "10.244.1.12", "lab-node"), ("b3", "10.244.1.13", "lab-node")]
        documents += service("spread", "10.96.0.10", endpoints: trio)
        documents += service("empty", "10.96.0.11", endpoints: [])
        documents += service("sticky", "10.96.0.12", extra: "  sessionAffinity: ClientIP\n", endpoints: trio)
        documents += service("public", "10.96.0.13", type: "LoadBalancer", nodePorts: (30080, 30053),
                             loadBalancer: "203.0.113.100", endpoints: trio)
        documents += service("local", "10.96.0.14", type: "LoadBalancer", nodePorts: (30081, 30054),
                             loadBalancer: "203.0.113.101", extra: "  externalTrafficPolicy: Local\n",
                             endpoints: [("b1", "10.244.1.11", "lab-node"), ("b4", "10.244.2.14", "other-node")])
        documents += service("self", "10.96.0.15", endpoints: [("b1", "10.244.1.11", "lab-node")])
        return documents.map { "---\n" + $0 }.joined()
    }()

    private static func pod(_ name: String, _ ip: String, node: String, app: String) -> String {
        """
        apiVersion: v1
        kind: Pod
        metadata:
          name: \(name)
          namespace: default
          labels:
            app: \(app)
        spec:
          nodeName: \(node)
          containers:
          - name: server
            ports:
            - {name: http, containerPort: 8080, protocol: TCP}
            - {name: dns, containerPort: 5353, protocol: UDP}
        status:
          phase: Running
          podIP: \(ip)
          podIPs:
          - ip: \(ip)

        """
    }

    private static func service(_ name: String, _ clusterIP: String, type: String = "ClusterIP",
                                nodePorts: (Int, Int)? = nil, loadBalancer: String? = nil, extra: String = "",
                                endpoints: [(String, String, String)]) -> [String] {
        let tcpNodePort = nodePorts.map { "    nodePort: \($0.0)\n" } ?? ""
        let udpNodePort = nodePorts.map { "    nodePort: \($0.1)\n" } ?? ""
        let status = loadBalancer.map { "status:\n  loadBalancer:\n    ingress:\n    - ip: \($0)\n" } ?? ""
        let service = """
            apiVersion: v1
            kind: Service
            metadata:
              name: \(name)
              namespace: default
            spec:
              type: \(type)
              clusterIP: \(clusterIP)
              clusterIPs: [\(clusterIP)]
            \(extra)  selector:
                app: backend
              ports:
              - name: http
                port: 80
                protocol: TCP
                targetPort: 8080
            \(tcpNodePort)  - name: dns
                port: 53
                protocol: UDP
                targetPort: 5353
            \(udpNodePort)\(status)
            """
        let slice = """
            apiVersion: discovery.k8s.io/v1
            kind: EndpointSlice
            metadata:
              name: \(name)-ep1
              namespace: default
              labels:
                kubernetes.io/service-name: \(name)
            addressType: IPv4
            endpoints:\(endpoints.isEmpty ? " []" : "")
            \(endpoints.map { endpoint in
                "- addresses: [\(endpoint.1)]\n  conditions: {ready: true}\n  nodeName: \(endpoint.2)\n  targetRef: {kind: Pod, namespace: default, name: \(endpoint.0)}\n"
            }.joined())ports:
            - {name: http, port: 8080, protocol: TCP}
            - {name: dns, port: 5353, protocol: UDP}

            """
        return [service, slice]
    }
}
