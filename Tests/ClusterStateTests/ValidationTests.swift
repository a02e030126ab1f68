import Testing
@testable import ClusterState

/// Input the API server refuses is refused here too, with file, object and field; values in
/// messages are escaped and cut short.
@Suite struct ValidationTests {
    private func error(_ yaml: String) -> String {
        do {
            _ = try ManifestLoader.load(sources: [ManifestSource(name: "in.yaml", text: yaml)])
            return "no error"
        } catch {
            return "\(error)"
        }
    }

    private func service(clusterIP: String) -> String {
        "apiVersion: v1\nkind: Service\nmetadata: {name: web, namespace: prod}\nspec:\n  clusterIP: \"\(clusterIP)\"\n  ports: [{port: 80}]\n"
    }

    @Test(arguments: [
        ("0.0.0.0", "the unspecified address may not be used"),
        ("::", "the unspecified address may not be used"),
        ("127.0.0.1", "loopback addresses may not be used"),
        ("::1", "loopback addresses may not be used"),
        ("::ffff:10.96.0.1", "IPv4-mapped IPv6 addresses may not be used (write the IPv4 address)"),
    ])
    func specialClusterIPs(address: String, problem: String) {
        #expect(error(service(clusterIP: address))
            == "in.yaml: document 1 (line 5): Service prod/web: spec.clusterIP: \"\(address)\" is not a valid cluster IP: \(problem)")
    }

    @Test func twoServicesWithOneClusterIP() throws {
        #expect(FixtureFiles.error("shared-cluster-ip.yaml")
            == "shared-cluster-ip.yaml: document 2 (line 8): Service prod/api: spec.clusterIP: cluster IP 10.96.0.10 is already allocated to Service prod/web (shared-cluster-ip.yaml: document 1 (line 1))")
        // lint reports it itself, with a hint.
        let loaded = try FixtureFiles.load("shared-cluster-ip.yaml", options: LoadOptions(allowSharedClusterIPs: true))
        #expect(loaded.state.services.count == 2)
    }

    @Test func nonStringLabelAndSelectorValues() {
        #expect(FixtureFiles.error("label-number.yaml")
            == "label-number.yaml: document 1 (line 5): Pod default/p: metadata.labels.version: expected a string, got a number (quote it: \"1.0\")")
        #expect(FixtureFiles.error("selector-bool.yaml")
            == "selector-bool.yaml: document 1 (line 6): Service default/web: spec.selector.canary: expected a string, got a boolean (quote it: \"true\")")
        #expect(error("apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: p, namespace: x}\nspec:\n  podSelector:\n    matchExpressions: [{key: tier, operator: In, values: [1]}]\n")
            == "in.yaml: document 1 (line 6): NetworkPolicy x/p: spec.podSelector.matchExpressions[0].values[0]: expected a string, got a number (quote it: \"1\")")
    }

    @Test func nullLabelValueIsEmptyAsTheAPIServerReadsIt() throws {
        let pod = try ManifestLoader.load(sources: [ManifestSource(name: "p.yaml", text: "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\n  labels: {app: }\n")]).state.pods[0]
        #expect(pod.metadata.labels == ["app": ""])
    }

    @Test func whatTheAPIServerAcceptsKeepsItsMeaning() throws {
        let loaded = try ManifestLoader.load(sources: [ManifestSource(name: "in.yaml", text: """
            apiVersion: v1
            kind: Service
            metadata: {name: web, namespace: ""}
            spec:
              clusterIP: 10.96.0.10
              ports: [{name: a, port: 80, targetPort: 0}, {name: b, port: 81, targetPort: ""}]
            """)])
        let service = try #require(loaded.state.services.first)
        #expect(service.metadata.namespace == "default")
        #expect(service.ports.map(\.targetPort) == [.int(80), .int(81)])
    }

    @Test func exactFieldPaths() {
        #expect(FixtureFiles.error("metadata-not-mapping.yaml")
            == "metadata-not-mapping.yaml: document 1 (line 3): Service default/(unnamed): metadata: expected a mapping, got a string")
        let base = "apiVersion: v1\nkind: Service\nmetadata: {name: web}\nspec:\n  clusterIP: 10.96.0.10\n  ports: [{port: 80}]\n"
        #expect(error(base + "  sessionAffinity: ClientIP\n  sessionAffinityConfig: 5\n")
            == "in.yaml: document 1 (line 8): Service default/web: spec.sessionAffinityConfig: expected a mapping, got a number")
        #expect(error(base + "  sessionAffinity: ClientIP\n  sessionAffinityConfig: {clientIP: 5}\n")
            == "in.yaml: document 1 (line 8): Service default/web: spec.sessionAffinityConfig.clientIP: expected a mapping, got a number")
        #expect(error(base + "status: 5\n")
            == "in.yaml: document 1 (line 7): Service default/web: status: expected a mapping, got a number")
        #expect(error("apiVersion: discovery.k8s.io/v1\nkind: EndpointSlice\nmetadata: {name: s, labels: {kubernetes.io/service-name: web}}\naddressType: IPv4\nendpoints:\n- addresses: [10.0.0.1]\n  conditions: 5\n")
            == "in.yaml: document 1 (line 7): EndpointSlice default/s: endpoints[0].conditions: expected a mapping, got a number")
    }

    @Test func hugeNumbersAreOutOfRange() {
        #expect(FixtureFiles.error("huge-number.yaml")
            == "huge-number.yaml: document 1 (line 6): Service default/web: spec.ports[0].port: \"99999999999999999999999\" is out of range (a 64-bit integer)")
    }

    @Test func controlCharactersAndEscapesNeverReachTheTerminalRaw() {
        let message = FixtureFiles.error("ansi-name.yaml")
        #expect(message == #"ansi-name.yaml: document 1 (line 4): Service default/web\x1b[31mRED\nline2: metadata.name: "web\x1b[31mRED\nline2" is not a valid name: must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (RFC 1035 label)"#)
        #expect(!message.contains("\u{1B}") && !message.contains("\n"))
    }

    @Test func longValuesAreCutShort() {
        let message = FixtureFiles.error("long-value.yaml")
        #expect(message == "long-value.yaml: document 1 (line 5): Service default/web: spec.clusterIP: \"" + String(repeating: "x", count: 100)
            + "… (5000 characters)\" is not a valid IP address")
    }
}
