import ClusterState
import NetworkAddresses

/// The benchmark's cluster: N ClusterIP Services, each with one TCP port and an EndpointSlice
/// of 10 ready endpoints, spread over 100 namespaces.
enum SyntheticCluster {
    static let endpointsPerService = 10

    static func clusterIP(_ index: Int) -> String { "172.\(16 + index / 65536).\(index / 256 % 256).\(index % 256)" }

    static func endpointIP(_ service: Int, _ endpoint: Int) -> String {
        let n = service * endpointsPerService + endpoint
        return "10.\(n / 65536 % 256).\(n / 256 % 256).\(n % 256)"
    }

    static func state(services: Int) -> ClusterState {
        var state = ClusterState()
        state.services.reserveCapacity(services)
        state.endpointSlices.reserveCapacity(services)
        for index in 0..<services {
            let namespace = "ns\(index % 100)"
            let name = "svc\(index)"
            state.services.append(Service(
                metadata: ObjectMeta(name: name, namespace: namespace), clusterIPs: [IPAddress(clusterIP(index))!],
                ports: [ServicePort(name: "http", port: 80, targetPort: .int(8080))], selector: ["app": name]))
            let endpoints = (0..<endpointsPerService).map { endpoint -> Endpoint in
                let text = endpointIP(index, endpoint)
                return Endpoint(addressText: text, address: IPAddress(text)!, conditions: EndpointConditions(ready: true),
                                nodeName: "node\(endpoint)")
            }
            state.endpointSlices.append(EndpointSlice(
                metadata: ObjectMeta(name: "\(name)-abcde", namespace: namespace), serviceName: name,
                addressType: .ipv4, endpoints: endpoints, ports: [EndpointPort(name: "http", protocol: .tcp, port: 8080)]))
        }
        return state
    }

    /// The same cluster as manifests, the way `kubectl get svc,endpointslices -o yaml` would list them.
    static func yaml(services: Int) -> String {
        // The node's address and pod network are stated (unstated ones stay unknown), as the
        // in-memory cluster has them: both forms compile to the same rules.
        var text = "apiVersion: packetpath.io/v1alpha1\nkind: NodeConfig\nhostname: node0\nnodeIP: 192.168.0.2\nclusterCIDR: 10.0.0.0/8\n"
        text.reserveCapacity(services * 1300)
        for index in 0..<services {
            let namespace = "ns\(index % 100)"
            let name = "svc\(index)"
            text += """
                ---
                apiVersion: v1
                kind: Service
                metadata:
                  name: \(name)
                  namespace: \(namespace)
                spec:
                  type: ClusterIP
                  clusterIP: \(clusterIP(index))
                  clusterIPs:
                  - \(clusterIP(index))
                  ports:
                  - name: http
                    port: 80
                    protocol: TCP
                    targetPort: 8080
                  selector:
                    app: \(name)
                ---
                apiVersion: discovery.k8s.io/v1
                kind: EndpointSlice
                metadata:
                  name: \(name)-abcde
                  namespace: \(namespace)
                  labels:
                    kubernetes.io/service-name: \(name)
                addressType: IPv4
                ports:
                - name: http
                  port: 8080
                  protocol: TCP
                endpoints:

                """
            for endpoint in 0..<endpointsPerService {
                text += "- addresses:\n  - \(endpointIP(index, endpoint))\n  conditions:\n    ready: true\n  nodeName: node\(endpoint)\n"
            }
        }
        return text
    }
}
