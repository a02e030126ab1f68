import Testing
import NetworkAddresses
@testable import ClusterState

@Suite struct LoadingTests {
    private func load(_ text: String, name: String = "in.yaml") throws -> LoadedCluster {
        try ManifestLoader.load(sources: [ManifestSource(name: name, text: text)])
    }

    @Test func jsonListAsKubectlPrintsIt() throws {
        let json = """
            {"apiVersion": "v1", "kind": "List", "items": [
              {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "web", "namespace": "prod"},
               "spec": {"clusterIP": "10.96.0.10", "ports": [{"name": "http", "port": 80, "targetPort": "http"}]}},
              {"apiVersion": "discovery.k8s.io/v1", "kind": "EndpointSlice",
               "metadata": {"name": "web-abc", "namespace": "prod", "labels": {"kubernetes.io/service-name": "web"}},
               "addressType": "IPv4", "ports": [{"name": "http", "port": 8080}],
               "endpoints": [{"addresses": ["10.1.0.5"], "conditions": {"ready": true}}]}
            ]}
            """
        let state = try load(json, name: "list.json").state
        #expect(state.services.map(\.metadata.key) == ["prod/web"])
        #expect(state.services[0].ports[0].targetPort == .string("http"))
        #expect(state.services[0].ports[0].protocol == .tcp)
        #expect(state.endpointSlices[0].endpoints[0].address == IPAddress("10.1.0.5"))
        #expect(state.endpointSlices[0].ports[0].protocol == .tcp)
    }

    @Test func serviceDefaults() throws {
        let service = try load("""
            apiVersion: v1
            kind: Service
            metadata: {name: web}
            spec:
              clusterIP: 10.96.0.10
              sessionAffinity: ClientIP
              ports: [{port: 80}]
            """).state.services[0]
        #expect(service.metadata.namespace == "default")
        #expect(service.type == .clusterIP)
        #expect(service.ports[0].targetPort == .int(80))
        #expect(service.sessionAffinity == .clientIP(timeoutSeconds: 10800))
        #expect(service.externalTrafficPolicy == .cluster)
        #expect(service.internalTrafficPolicy == .cluster)
        #expect(service.clusterIPs == [IPAddress("10.96.0.10")!])
    }

    /// For a Service without a selector, as the mirroring controller does (NotesTests covers
    /// when it does not).
    @Test func legacyEndpointsBecomeSlices() throws {
        let slices = try load("""
            apiVersion: v1
            kind: Service
            metadata: {name: web, namespace: prod}
            spec: {clusterIP: 10.96.0.10, ports: [{name: http, port: 80}]}
            ---
            apiVersion: v1
            kind: Endpoints
            metadata: {name: web, namespace: prod}
            subsets:
            - addresses: [{ip: 10.1.0.5, nodeName: n1}, {ip: "fd00::5"}]
              notReadyAddresses: [{ip: 10.1.0.6}]
              ports: [{name: http, port: 8080}]
            """).state.endpointSlices
        #expect(slices.count == 2)
        let v4 = try #require(slices.first { $0.addressType == .ipv4 })
        #expect(v4.serviceName == "web")
        #expect(v4.endpoints.map(\.addressText) == ["10.1.0.5", "10.1.0.6"])
        #expect(v4.endpoints.map(\.conditions.isReady) == [true, false])
        #expect(v4.endpoints[0].nodeName == "n1")
        #expect(v4.ports == [EndpointPort(name: "http", protocol: .tcp, port: 8080)])
    }

    @Test func unknownKindsAreSkippedWithAWarning() throws {
        let loaded = try load("""
            apiVersion: apps/v1
            kind: Deployment
            metadata: {name: web, namespace: prod}
            ---
            apiVersion: discovery.k8s.io/v1beta1
            kind: EndpointSlice
            metadata: {name: web-1, namespace: prod}
            """)
        #expect(loaded.warnings.filter { !$0.isNote }.map(\.description) == [
            "in.yaml: document 1 (line 1): skipping apps/v1 Deployment prod/web: not used by PacketPath",
            "in.yaml: document 2 (line 5): skipping discovery.k8s.io/v1beta1 EndpointSlice prod/web-1: PacketPath reads EndpointSlice as discovery.k8s.io/v1",
        ])
    }

    @Test func networkPolicyDefaultsPolicyTypes() throws {
        let policies = try load("""
            apiVersion: networking.k8s.io/v1
            kind: NetworkPolicy
            metadata: {name: a, namespace: x}
            spec:
              podSelector: {}
              egress: []
            ---
            apiVersion: networking.k8s.io/v1
            kind: NetworkPolicy
            metadata: {name: b, namespace: x}
            spec:
              podSelector: {matchLabels: {pod: a}}
              egress: [{}]
              ingress:
              - ports: [{port: 80}]
            """).state.networkPolicies
        #expect(policies[0].policyTypes == [.ingress])
        #expect(policies[1].policyTypes == [.ingress, .egress])
        #expect(policies[1].ingress[0].ports == [NetworkPolicyPort(protocol: .tcp, port: .int(80))])
        #expect(policies[1].egress == [NetworkPolicyRule()])
    }

    @Test(arguments: [
        ("ipBlock: {cidr: 10.0.0.0/33}", "spec.ingress[0].from[0].ipBlock.cidr: \"10.0.0.0/33\" is not a valid CIDR (address/length)"),
        ("ipBlock: {cidr: 10.0.0.0/16, except: [10.1.0.0/24]}", "spec.ingress[0].from[0].ipBlock.except[0]: 10.1.0.0/24 must be strictly within cidr 10.0.0.0/16"),
    ])
    func invalidPolicyPeers(peer: String, expected: String) {
        let yaml = "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: p, namespace: x}\nspec:\n  podSelector: {}\n  ingress:\n  - from:\n    - \(peer)\n"
        #expect(throws: ManifestError.self) { try load(yaml) }
        do { _ = try load(yaml) } catch { #expect("\(error)".hasSuffix("NetworkPolicy x/p: " + expected), "\(error)") }
    }

    @Test(arguments: [
        ("{port: 90, endPort: 80}", "spec.ingress[0].ports[0].endPort: 80 must be greater than or equal to port (90)"),
        ("{port: http, endPort: 80}", "spec.ingress[0].ports[0].endPort: may not be specified when port is a named port"),
        ("{protocol: ICMP, port: 80}", "spec.ingress[0].ports[0].protocol: unknown protocol \"ICMP\" (supported: TCP, UDP, SCTP)"),
    ])
    func invalidPolicyPorts(port: String, expected: String) {
        let yaml = "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: p, namespace: x}\nspec:\n  podSelector: {}\n  ingress:\n  - ports: [\(port)]\n"
        do {
            _ = try load(yaml)
            Issue.record("no error for \(port)")
        } catch {
            #expect("\(error)".hasSuffix("NetworkPolicy x/p: " + expected), "\(error)")
        }
    }
}
