import Testing
@testable import ClusterState

/// Bad input: the message names the file, document and line, the object and the field.
@Suite struct ErrorMessageTests {
    private func error(_ yaml: String, file: String = "in.yaml") -> String {
        do {
            _ = try ManifestLoader.load(sources: [ManifestSource(name: file, text: yaml)])
            return "no error"
        } catch {
            return "\(error)"
        }
    }

    private let service = """
        apiVersion: v1
        kind: Service
        metadata:
          name: web
          namespace: prod
        spec:
          clusterIP: 10.96.0.10

        """

    @Test func portOutOfRange() {
        let yaml = "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: prod\n---\n" + service
            + "  ports:\n  - name: http\n    port: 80\n  - name: https\n    port: 70000\n"
        #expect(error(yaml, file: "web.yaml")
            == "web.yaml: document 2 (line 17): Service prod/web: spec.ports[1].port: 70000 is not a valid port (1-65535)")
    }

    @Test func yamlSyntaxErrorHasLineAndColumn() {
        let message = error("apiVersion: v1\nkind: Service\nmetadata:\n  name: a\n    bad: indentation\n")
        #expect(message.hasPrefix("in.yaml: document 1 (line 5, column 8): YAML syntax error:"), "\(message)")
    }

    @Test func wrongType() {
        #expect(error(service + "  ports:\n  - port: \"80\"\n")
            == "in.yaml: document 1 (line 9): Service prod/web: spec.ports[0].port: expected an integer, got a string")
        #expect(error(service + "  ports: 80\n")
            == "in.yaml: document 1 (line 8): Service prod/web: spec.ports: expected a list, got a number")
    }

    @Test func invalidAddresses() {
        #expect(error(service.replacingFirst("10.96.0.10", with: "10.96.0.300") + "  ports: [{port: 80}]\n")
            == "in.yaml: document 1 (line 7): Service prod/web: spec.clusterIP: \"10.96.0.300\" is not a valid IP address")
        #expect(error(service + "  ports: [{port: 80}]\n  loadBalancerSourceRanges:\n  - 10.0.0.0/40\n")
            == "in.yaml: document 1 (line 10): Service prod/web: spec.loadBalancerSourceRanges[0]: \"10.0.0.0/40\" is not a valid CIDR (address/length)")
        #expect(error(service + "  ports: [{port: 80}]\n  externalIPs: [1.2.3]\n")
            == "in.yaml: document 1 (line 9): Service prod/web: spec.externalIPs[0]: \"1.2.3\" is not a valid IP address")
    }

    @Test func unknownProtocol() {
        #expect(error(service + "  ports:\n  - port: 80\n    protocol: ICMP\n")
            == "in.yaml: document 1 (line 10): Service prod/web: spec.ports[0].protocol: unknown protocol \"ICMP\" (supported: TCP, UDP, SCTP)")
    }

    @Test func duplicateObjects() {
        let yaml = service + "  ports: [{port: 80}]\n---\n" + service + "  ports: [{port: 81}]\n"
        #expect(error(yaml)
            == "in.yaml: document 2 (line 10): Service prod/web: duplicate object: already defined at in.yaml: document 1 (line 1)")
    }

    @Test func endpointSliceWithoutServiceLabel() {
        let yaml = "apiVersion: discovery.k8s.io/v1\nkind: EndpointSlice\nmetadata:\n  name: web-1\n  namespace: prod\naddressType: IPv4\n"
        #expect(error(yaml)
            == "in.yaml: document 1 (line 4): EndpointSlice prod/web-1: metadata.labels: the kubernetes.io/service-name label is missing: kube-proxy ignores slices without it")
    }

    @Test func clusterIPOfTheWrongFamily() {
        #expect(error(service + "  ipFamilies: [IPv6]\n  ports: [{port: 80}]\n")
            == "in.yaml: document 1 (line 7): Service prod/web: spec.clusterIP: 10.96.0.10 is an IPv4 address but ipFamilies[0] is IPv6")
        let slice = "apiVersion: discovery.k8s.io/v1\nkind: EndpointSlice\nmetadata:\n  name: web-1\n  namespace: prod\n"
            + "  labels: {kubernetes.io/service-name: web}\naddressType: IPv4\nendpoints:\n- addresses: [\"fd00::1\"]\n"
        #expect(error(slice)
            == "in.yaml: document 1 (line 9): EndpointSlice prod/web-1: endpoints[0].addresses[0]: fd00::1 is not an IPv4 address (addressType is IPv4)")
    }

    @Test func invalidNames() {
        #expect(error(service.replacingFirst("name: web", with: "name: Web_1") + "  ports: [{port: 80}]\n")
            == "in.yaml: document 1 (line 4): Service prod/Web_1: metadata.name: \"Web_1\" is not a valid name: must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (RFC 1035 label)")
        #expect(error(service.replacingFirst("namespace: prod", with: "namespace: -prod") + "  ports: [{port: 80}]\n")
            .contains("metadata.namespace: \"-prod\" is not a valid name"))
        #expect(error(service + "  ports:\n  - name: HTTP\n    port: 80\n")
            == "in.yaml: document 1 (line 9): Service prod/web: spec.ports[0].name: \"HTTP\" is not a valid port name: must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (RFC 1123 label)")
    }

    @Test func missingKindAndOtherDocumentProblems() {
        #expect(error("apiVersion: v1\nmetadata:\n  name: x\n")
            == "in.yaml: document 1 (line 1): kind: required value is missing")
        #expect(error("- just\n- a list\n")
            == "in.yaml: document 1 (line 1): expected an object (a mapping with apiVersion and kind), got a list")
    }

    @Test func nodeConfigRejectsUnknownFields() {
        let message = error("kind: NodeConfig\napiVersion: packetpath.io/v1alpha1\nmasqueradeAl: true\n")
        #expect(message.hasPrefix("in.yaml: document 1 (line 3): NodeConfig (unnamed): masqueradeAl: unknown field \"masqueradeAl\""), "\(message)")
    }
}

extension String {
    func replacingFirst(_ target: String, with replacement: String) -> String {
        guard let range = range(of: target) else { return self }
        return replacingCharacters(in: range, with: replacement)
    }
}

extension ErrorMessageTests {
    @Test func duplicateKeysAreRejected() {
        let message = error("apiVersion: v1\nkind: Service\nmetadata:\n  name: a\n  name: b\n")
        #expect(message.hasPrefix("in.yaml: document 1 (line 4, column 3)"), "\(message)")
        #expect(message.contains("duplicate key in a mapping: name"), "\(message)")
    }
}
