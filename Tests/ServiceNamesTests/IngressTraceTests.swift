import Foundation
import Testing
import PacketPath
import PacketTrace
import PathGraph

/// `trace --ingress` and `graph --ingress` on the bundled shop with its Ingress.
@Suite struct IngressTraceTests {
    private func shop() throws -> LoadedSide { try Examples.side(Examples.shop, Examples.shopIngress) }

    private func json<T: Encodable>(_ value: T) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return String(decoding: try encoder.encode(value), as: UTF8.self)
    }

    @Test func routesToTheBackendAndFindsTheController() throws {
        let result = try Review.traceIngress(try shop(), "shop.example.com/")
        #expect(result.ingress == "shop/storefront")
        #expect(result.field == "spec.rules[0].http.paths[0]")
        #expect(result.ingressClass == "nginx")
        #expect(result.controllerService == "ingress-nginx/ingress-nginx-controller")
        #expect(result.externalAddresses.first == "198.51.100.80")
        #expect(result.controllerPods == ["ingress-nginx/ingress-nginx-controller-1"])
        #expect(result.problem == nil)
        // Port name "http" of shop/web: both endpoints' families are listed, the IPv4-only
        // controller Pod traces the IPv4 cluster IP.
        let backend = try #require(result.backendTrace)
        #expect(backend.destination.name.key == "shop/web")
        #expect(backend.traces.map(\.target.address.description) == ["10.96.10.10"])
        #expect(backend.traces[0].result.outcomes.count == 3)
        #expect(backend.traces[0].result.outcomes.allSatisfy { $0.disposition.passes })
    }

    /// The route's trace is the trace by name from the controller's Pod, which is the trace by address.
    @Test func ingressTraceEqualsTraceByNameAndAddress() throws {
        let side = try shop()
        let viaIngress = try #require(try Review.traceIngress(side, "shop.example.com/catalog/items").backendTrace)
        let byName = try Review.trace(side, name: "catalog.shop", port: "80", source: .pod("ingress-nginx/ingress-nginx-controller-1"))
        #expect(try json(viaIngress) == json(byName))
    }

    /// The /catalog route is refused by the shop's `backends` policy on the local endpoint.
    @Test func policyVerdictShowsTheBlockedBackend() throws {
        let result = try Review.traceIngress(try shop(), "shop.example.com/catalog/items")
        let outcomes = try #require(result.backendTrace?.traces.first?.result.outcomes)
        let denied = outcomes.filter { if case .denied = $0.policy { return true } else { return false } }
        #expect(denied.map(\.dnatTarget) == ["10.244.1.20:8080"])
    }

    @Test func namedControllerAndClassFilter() throws {
        let side = try shop()
        let named = try Review.traceIngress(side, "shop.example.com/", controller: "ingress-nginx/ingress-nginx-controller")
        #expect(named.controllerFoundBy == "named with --ingress-controller")
        #expect(named.controllerPods == ["ingress-nginx/ingress-nginx-controller-1"])
        #expect(throws: (any Error).self) { try Review.traceIngress(side, "shop.example.com/", controller: "ingress-nginx/nginx") }
        #expect(throws: (any Error).self) { try Review.traceIngress(side, "shop.example.com/", ingressClass: "traefik") }
    }

    @Test func commonMistakesAreReportedAsTheClientSeesThem() throws {
        let side = try Examples.side(Examples.brokenIngress)
        // A port name the Service lacks: 503, with the nearest name.
        let badPort = try Review.traceIngress(side, "app.example.com/v1/users")
        #expect(badPort.problem?.contains("503") == true)
        #expect(badPort.problem?.contains("did you mean \"http\"?") == true)
        // A missing Service: 503, with the nearest Service.
        let missing = try Review.traceIngress(side, "app.example.com/v2")
        #expect(missing.problem?.contains("no Service prod/apii") == true)
        #expect(missing.problem?.contains("did you mean api.prod?") == true)
        // The class the Ingress names does not exist.
        let classless = try Review.traceIngress(side, "admin.example.com/")
        #expect(classless.ingress == "prod/admin")
        #expect(classless.notes.contains { $0.contains("IngressClass ngnix is not in the manifests") })
    }

    @Test func unknownHostIs404() throws {
        let result = try Review.traceIngress(try shop(), "shp.example.com/")
        #expect(result.ingress == nil)
        #expect(result.problem?.contains("404") == true)
        #expect(result.problem?.contains("did you mean shop.example.com?") == true)
    }

    @Test func ingressGraphDrawsTheBackend() throws {
        let graph = try Review.ingressGraph(try shop(), "shop.example.com/")
        let entries = graph.nodes.filter { $0.kind == .entry }.map(\.label)
        #expect(entries == ["Ingress shop/storefront shop.example.com/ via ingress-nginx/ingress-nginx-controller (198.51.100.80) -> 10.96.10.10:80"])
        #expect(graph.nodes.filter { $0.kind == .endpoint }.map(\.label).sorted()
            == ["10.244.1.10:8080", "10.244.2.10:8080", "10.244.3.10:8080"])
    }

    /// `graph --service NAME` draws what `graph --service ns/name` draws.
    @Test func graphByNameEqualsGraphByKey() throws {
        let side = try Examples.side(Examples.shop)
        let expected = try Review.serviceGraph(side, service: "shop/checkout").dot
        for name in ["checkout.shop", "checkout.shop.svc.cluster.local"] {
            let key = try Review.serviceKey(side, name)
            #expect(try Review.serviceGraph(side, service: key).dot == expected)
        }
        #expect(try Review.serviceKey(side, "checkout", namespace: "shop") == "shop/checkout")
        #expect(throws: (any Error).self) { try Review.serviceKey(side, "checkout") }
        #expect(throws: (any Error).self) { try Review.serviceKey(side, "payments.shop") }
    }
}

/// The way in: an outside client's packet to the controller's load-balancer address.
@Suite struct IngressEntryTests {
    @Test func entryPathReachesTheControllerPod() throws {
        let side = try Examples.side(Examples.shop, Examples.shopIngress)
        let plain = try #require(try Review.traceIngress(side, "shop.example.com/").entryTrace)
        #expect(plain.packet.destination.description == "198.51.100.80")
        #expect(plain.packet.destinationPort == 80)
        #expect(plain.outcomes.map(\.dnatTarget) == ["10.244.1.100:80"])
        let secure = try #require(try Review.traceIngress(side, "https://shop.example.com/").entryTrace)
        #expect(secure.outcomes.map(\.dnatTarget) == ["10.244.1.100:443"])
    }
}

/// A backend port number the Service does not have: the controller answers 503.
@Suite struct IngressBackendPortTests {
    @Test func containerPortInsteadOfServicePort() throws {
        let side = try Examples.side(yaml: """
            apiVersion: v1
            kind: Service
            metadata: {name: api, namespace: prod}
            spec: {clusterIP: 10.96.0.20, selector: {app: api}, ports: [{name: http, port: 80, targetPort: 8080}]}
            ---
            apiVersion: networking.k8s.io/v1
            kind: Ingress
            metadata: {name: api, namespace: prod}
            spec:
              rules:
              - host: api.example.com
                http: {paths: [{path: /, pathType: Prefix, backend: {service: {name: api, port: {number: 8080}}}}]}
            """)
        let result = try Review.traceIngress(side, "api.example.com/x")
        #expect(result.problem?.contains("503") == true)
        #expect(result.problem?.contains("has no port 8080") == true)
        #expect(result.backendTrace == nil)
    }
}
