import Testing
import NetworkAddresses
@testable import ClusterState

/// What kube-proxy would leave out, and what the input leaves unsaid, is said once on stderr.
@Suite struct NotesTests {
    private func load(_ text: String, options: LoadOptions = LoadOptions()) throws -> LoadedCluster {
        try ManifestLoader.load(sources: [ManifestSource(name: "in.yaml", text: text)], options: options)
    }

    private let nodeConfig = "apiVersion: packetpath.io/v1alpha1\nkind: NodeConfig\nhostname: n1\nnodeIP: 192.168.5.10\nclusterCIDR: 10.244.0.0/16\n---\n"

    @Test func servicesTheAPIServerWouldCompleteAreNotedOncePerService() throws {
        let loaded = try FixtureFiles.load("kubectl-create-dry-run.yaml")
        let file = FixtureFiles.path("kubectl-create-dry-run.yaml")
        #expect(loaded.warnings.filter(\.isNote).filter { $0.document != 0 }.map(\.description) == [
            "\(file): document 1 (line 1): Service default/web: spec.clusterIP: not set (the API server allocates one when the Service is created): no rules for this Service, as kube-proxy programs none until it has one",
            "\(file): document 2 (line 20): Service default/noports: spec.ports: none: no rules for this Service, as kube-proxy programs none for a Service without ports",
            "\(file): document 3 (line 25): Service default/nullspec: spec.clusterIP: not set (the API server allocates one when the Service is created): no rules for this Service, as kube-proxy programs none until it has one",
            "\(file): document 4 (line 30): Service default/np: spec.ports[0].nodePort: not set (the API server allocates one when the Service is created): no NodePort rules for it, only the cluster IP's",
        ])
        #expect(loaded.state.services.map(\.clusterIPs.count) == [0, 1, 0, 1])
    }

    private let endpoints = """
        apiVersion: v1
        kind: Endpoints
        metadata: {name: web, namespace: prod}
        subsets:
        - addresses: [{ip: 10.1.0.5}, {ip: 10.1.0.9}]
          ports: [{name: http, port: 8080}]

        """

    private func service(selector: Bool) -> String {
        "apiVersion: v1\nkind: Service\nmetadata: {name: web, namespace: prod}\nspec:\n  clusterIP: 10.96.0.10\n"
            + (selector ? "  selector: {app: web}\n" : "") + "  ports: [{name: http, port: 80}]\n---\n"
    }

    private let slice = """
        ---
        apiVersion: discovery.k8s.io/v1
        kind: EndpointSlice
        metadata: {name: web-1, namespace: prod, labels: {kubernetes.io/service-name: web}}
        addressType: IPv4
        ports: [{name: http, port: 8080}]
        endpoints: [{addresses: [10.1.0.5]}]

        """

    @Test func endpointsOfAServiceWithASelectorAddNothing() throws {
        let loaded = try load(nodeConfig + service(selector: true) + endpoints + slice)
        #expect(loaded.state.endpointSlices.map(\.metadata.name) == ["web-1"])
        #expect(loaded.warnings.map(\.description) == [
            "in.yaml: document 3 (line 15): Endpoints prod/web: ignored: Service prod/web has a selector, so kube-proxy uses only its EndpointSlices, and they differ (only in the Endpoints: 10.1.0.9)",
        ])
        // Agreeing Endpoints are ignored without a word.
        let agreeing = endpoints.replacingOccurrences(of: ", {ip: 10.1.0.9}", with: "")
        #expect(try load(nodeConfig + service(selector: true) + agreeing + slice).warnings.isEmpty)
    }

    @Test func endpointsOfAServiceWithoutSelectorAreMirrored() throws {
        let loaded = try load(nodeConfig + service(selector: false) + endpoints)
        #expect(loaded.state.endpointSlices.flatMap(\.endpoints).map(\.addressText) == ["10.1.0.5", "10.1.0.9"])
        // skip-mirror: the controller leaves them alone.
        let skipped = endpoints.replacingOccurrences(of: "namespace: prod}", with: "namespace: prod, labels: {endpointslice.kubernetes.io/skip-mirror: \"true\"}}")
        #expect(try load(nodeConfig + service(selector: false) + skipped).state.endpointSlices.isEmpty)
        // Slices the controller already made (kubectl get endpoints,endpointslices) are not doubled.
        let mirrored = slice.replacingOccurrences(of: "labels: {", with: "labels: {endpointslice.kubernetes.io/managed-by: endpointslicemirroring-controller.k8s.io, ")
        #expect(try load(nodeConfig + service(selector: false) + endpoints + mirrored).state.endpointSlices.map(\.metadata.name) == ["web-1"])
        // No Service: nothing mirrors them.
        #expect(try load(nodeConfig + endpoints).state.endpointSlices.isEmpty)
    }

    @Test func unstatedNodeFactsAreNamedWithWhatTheyLeaveOut() throws {
        let loaded = try load("""
            apiVersion: v1
            kind: Pod
            metadata: {name: a, namespace: x, labels: {app: a}}
            spec: {nodeName: worker-2}
            ---
            apiVersion: v1
            kind: Pod
            metadata: {name: b, namespace: x, labels: {app: b}}
            ---
            apiVersion: networking.k8s.io/v1
            kind: NetworkPolicy
            metadata: {name: only-a, namespace: x}
            spec: {podSelector: {matchLabels: {app: a}}}
            """)
        #expect(loaded.warnings.map(\.description) == [
            "the input does not say which node this is (no Node, NodeConfig or KubeProxyConfiguration states it); assumed no hostname (no endpoint or Pod counts as on this node), no node IPs (only loopback addresses are the node's), no cluster CIDR (no local-traffic detector, as kube-proxy without one: no masquerade rules for traffic from outside the pod network); 1 Pod and 1 NetworkPolicy left out as not on this node — add a Node or NodeConfig (or --node NAME) to say which node",
        ])
        #expect(loaded.warnings.allSatisfy { $0.isNote })
        let settings = loaded.state.settings
        #expect(settings.hostname == "" && settings.nodeIPs.isEmpty && settings.clusterCIDRs.isEmpty)
        #expect(settings.interfaceAddresses == [IPPrefix("127.0.0.1/8")!, IPPrefix("::1/128")!])
    }

    @Test func aNodeStatesNameAndAddressesButNotTheClusterCIDR() throws {
        let loaded = try load("apiVersion: v1\nkind: Node\nmetadata: {name: n1}\nstatus:\n  addresses: [{type: InternalIP, address: 192.168.5.10}]\n")
        #expect(loaded.warnings.map(\.description) == [
            "the input does not say which node this is (no Node, NodeConfig or KubeProxyConfiguration states it); assumed no cluster CIDR (no local-traffic detector, as kube-proxy without one: no masquerade rules for traffic from outside the pod network) — add a Node or NodeConfig (or --node NAME) to say which node",
        ])
        #expect(loaded.state.settings.nodeIPs == [IPAddress("192.168.5.10")!])
    }

    @Test func aFullNodeConfigLeavesNothingToAssume() throws {
        #expect(try load(nodeConfig).warnings.isEmpty)
    }

    private let nodes = """
        apiVersion: v1
        kind: NodeList
        items:
        - metadata: {name: n1}
          status: {addresses: [{type: InternalIP, address: 192.168.5.10}]}
        - metadata: {name: n2}
          status: {addresses: [{type: InternalIP, address: 192.168.5.11}]}

        """

    @Test func severalNodesNeedAChoice() throws {
        #expect(throws: ManifestError(file: "in.yaml", message: "the input holds 2 Nodes (\"n1\", \"n2\"): choose the node to compile for with --node NAME")) {
            _ = try load(nodes)
        }
        let chosen = try load(nodes, options: LoadOptions(nodeName: "n2")).state.settings
        #expect(chosen.hostname == "n2" && chosen.nodeIPs == [IPAddress("192.168.5.11")!])
        #expect(throws: ManifestError(file: "in.yaml", message: "--node \"n3\" names none of the 2 Nodes in the input (\"n1\", \"n2\")")) {
            _ = try load(nodes, options: LoadOptions(nodeName: "n3"))
        }
    }
}
