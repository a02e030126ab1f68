import ClusterState
import PacketPath
import TestSupport

/// The bundled examples and small inline manifests, loaded as the CLI loads them.
enum Examples {
    static let shop = ProjectPaths.root + "/examples/shop.yaml"
    static let shopIngress = ProjectPaths.root + "/examples/shop-ingress.yaml"
    static let brokenIngress = ProjectPaths.root + "/examples/broken-ingress.yaml"

    static func side(_ paths: String...) throws -> LoadedSide {
        try SideLoader(liveReader: nil).load(.paths(paths))
    }

    static func side(yaml: String) throws -> LoadedSide {
        let loaded = try ManifestLoader.load(sources: [ManifestSource(name: "in.yaml", text: yaml)])
        return LoadedSide(input: .paths(["in.yaml"]), content: .manifests(loaded))
    }

    /// A headless Service with two ready endpoints (and one that is not), and a client Pod.
    static let headless = """
        apiVersion: v1
        kind: Service
        metadata: {name: db, namespace: prod}
        spec:
          clusterIP: None
          selector: {app: db}
          ports: [{name: pg, port: 5432, targetPort: 15432}]
        ---
        apiVersion: discovery.k8s.io/v1
        kind: EndpointSlice
        metadata: {name: db-1, namespace: prod, labels: {kubernetes.io/service-name: db}}
        addressType: IPv4
        ports: [{name: pg, port: 15432}]
        endpoints:
        - {addresses: [10.244.1.11], conditions: {ready: true}, targetRef: {kind: Pod, namespace: prod, name: db-0}}
        - {addresses: [10.244.2.12], conditions: {ready: true}}
        - {addresses: [10.244.3.13], conditions: {ready: false}}
        ---
        apiVersion: v1
        kind: Pod
        metadata: {name: client, namespace: prod, labels: {app: client}}
        spec: {containers: [{name: c}]}
        status: {phase: Running, podIP: 10.244.1.5}
        """
}
