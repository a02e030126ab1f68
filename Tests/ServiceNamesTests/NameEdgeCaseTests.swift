import Testing
import ClusterState
import NetworkAddresses
import PacketPath
import PacketTrace
import PathGraph
import ServiceNames

/// The usual reasons a name "times out": no endpoints, headless where a cluster IP was
/// expected, the client's namespace; and how the Ingress controller is found.
@Suite struct NameEdgeCaseTests {
    @Test func serviceWithoutEndpointsIsRejectedByName() throws {
        // shop/legacy selects no Pod: its cluster IP is rejected, by name as by address.
        let named = try Review.trace(try Examples.side(Examples.shop), name: "legacy", port: "http", source: .pod("shop/web-1"))
        let outcomes = try #require(named.traces.first?.result.outcomes)
        #expect(outcomes.count == 1)
        guard case .rejected? = outcomes.first?.disposition else {
            Issue.record("expected REJECT, got \(String(describing: outcomes.first?.disposition))")
            return
        }
    }

    @Test func namespaceStandsInForAnAddressClient() throws {
        let side = try Examples.side(Examples.shop)
        let client = TraceRequest.Source.address(IPAddress("10.244.9.9")!)
        let named = try Review.trace(side, name: "catalog", port: "80", source: client, namespace: "shop")
        #expect(named.destination.name.key == "shop/catalog")
        #expect(throws: ServiceNameError.self) { try Review.trace(side, name: "catalog", port: "80", source: client) }
        // A client Pod's own namespace comes first: web-1 is in shop, so "kube-dns" is not found there.
        #expect(throws: ServiceNameError.self) {
            try Review.trace(side, name: "kube-dns", port: "53", source: .pod("shop/web-1"), namespace: "kube-system")
        }
    }

    @Test func headlessGraphStartsAtTheEndpoints() throws {
        let graph = try Review.serviceGraph(try Examples.side(yaml: Examples.headless), named: "db.prod")
        #expect(graph.nodes.filter { $0.kind == .entry }.map(\.label) == ["Endpoint 10.244.1.11:15432/TCP (pg)", "Endpoint 10.244.2.12:15432/TCP (pg)"])
        // No Service chain is on the way to a Pod.
        #expect(!graph.nodes.contains { $0.label.hasPrefix("KUBE-SVC-") || $0.label.hasPrefix("KUBE-SEP-") })
    }

    @Test func controllerWordsFromTheClass() {
        let words = IngressControllers.controllerWords
        #expect(words("k8s.io/ingress-nginx") == ["ingress-nginx"])
        #expect(words("traefik.io/ingress-controller") == ["ingress-controller", "traefik"])
    }

    @Test func controllerFoundByServiceNameWhenNoPodFits() throws {
        let state = try #require(try Examples.side(yaml: """
            apiVersion: networking.k8s.io/v1
            kind: IngressClass
            metadata: {name: traefik}
            spec: {controller: traefik.io/ingress-controller}
            ---
            apiVersion: v1
            kind: Service
            metadata: {name: traefik, namespace: edge}
            spec: {type: LoadBalancer, clusterIP: 10.96.5.5, selector: {app: edge-proxy}, ports: [{name: web, port: 80}]}
            status: {loadBalancer: {ingress: [{hostname: lb.example.net}]}}
            ---
            apiVersion: v1
            kind: Pod
            metadata: {name: edge-1, namespace: edge, labels: {app: edge-proxy}}
            spec: {containers: [{name: c}]}
            status: {phase: Running, podIP: 10.244.1.7}
            """).cluster?.state)
        let controllers = IngressControllers(state: state)
        let ingressClass = try #require(state.ingressClasses.first)
        let controller = try #require(controllers.controller(for: ingressClass))
        #expect(controller.service?.metadata.key == "edge/traefik")
        #expect(controller.pods.map(\.metadata.key) == ["edge/edge-1"])
        #expect(controller.externalAddresses == ["lb.example.net"])
        #expect(controller.foundBy.contains("named after it"))
    }
}
