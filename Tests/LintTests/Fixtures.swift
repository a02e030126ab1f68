import ClusterState
import Lint

/// Small manifests for the lint checks, and a runner for one check.
enum Fixtures {
    static func pod(_ name: String, labels: String, ports: String = "[{name: http, containerPort: 8080}]") -> String {
        """
        apiVersion: v1
        kind: Pod
        metadata: {name: \(name), namespace: prod, labels: \(labels)}
        spec:
          containers: [{name: app, image: app, ports: \(ports)}]
        status: {phase: Running, podIP: 10.244.1.10, podIPs: [{ip: 10.244.1.10}]}
        """
    }

    static func service(_ name: String, selector: String = "{app: web}", clusterIP: String = "10.96.0.10",
                        ports: String = "[{name: http, port: 80, targetPort: http}]", type: String = "ClusterIP") -> String {
        """
        apiVersion: v1
        kind: Service
        metadata: {name: \(name), namespace: prod}
        spec: {type: \(type), clusterIP: \(clusterIP), selector: \(selector), ports: \(ports)}
        """
    }

    static func slice(_ service: String, ready: Bool = true, portName: String = "http") -> String {
        """
        apiVersion: discovery.k8s.io/v1
        kind: EndpointSlice
        metadata: {name: \(service)-1, namespace: prod, labels: {kubernetes.io/service-name: \(service)}}
        addressType: IPv4
        endpoints: [{addresses: [10.244.1.10], conditions: {ready: \(ready)}}]
        ports: [{name: \(portName), port: 8080, protocol: TCP}]
        """
    }

    static func findings(_ documents: [String], _ check: any LintCheck) throws -> [Finding] {
        let text = documents.joined(separator: "\n---\n")
        // Shared cluster IPs are a lint finding, not a load error, as in `packetpath lint`.
        let loaded = try ManifestLoader.load(sources: [ManifestSource(name: "app.yaml", text: text)],
                                             options: LoadOptions(allowSharedClusterIPs: true))
        return check.findings(in: LintContext(state: loaded.state))
    }
}
