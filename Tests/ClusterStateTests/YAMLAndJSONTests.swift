import Testing
@testable import ClusterState

/// The same objects written as multi-document YAML and as a JSON List decode to the same
/// state, and typing and errors keep their place in either form.
@Suite struct YAMLAndJSONTests {
    /// 100 Services with their EndpointSlices, both ways; fields cover strings that look
    /// like other types (quoted in YAML, strings in JSON), named target ports and booleans.
    static func cluster(_ count: Int) -> (yaml: String, json: String) {
        var yaml = "apiVersion: packetpath.io/v1alpha1\nkind: NodeConfig\nhostname: node0\nnodeIP: 192.168.0.2\nclusterCIDR: 10.0.0.0/8\n"
        var json: [String] = [#"{"apiVersion": "packetpath.io/v1alpha1", "kind": "NodeConfig", "hostname": "node0", "nodeIP": "192.168.0.2", "clusterCIDR": "10.0.0.0/8"}"#]
        for index in 0..<count {
            let name = "svc\(index)", namespace = "ns\(index % 7)", ip = "172.16.\(index / 256).\(index % 256)"
            let target = index % 2 == 0 ? "8080" : "http"
            yaml += """
                ---
                apiVersion: v1
                kind: Service
                metadata: {name: \(name), namespace: \(namespace), labels: {tier: "1.0", on: "yes"}}
                spec:
                  clusterIP: \(ip)
                  ports:
                  - name: http
                    port: \(80 + index % 3)
                    targetPort: \(target)
                  selector:
                    app: \(name)
                ---
                apiVersion: discovery.k8s.io/v1
                kind: EndpointSlice
                metadata:
                  name: \(name)-x
                  namespace: \(namespace)
                  labels:
                    kubernetes.io/service-name: \(name)
                addressType: IPv4
                ports:
                - {name: http, port: 8080, protocol: TCP}
                endpoints:
                - addresses: [10.0.\(index / 256).\(index % 256)]
                  conditions: {ready: \(index % 5 != 0)}
                  nodeName: node\(index % 3)

                """
            let targetJSON = index % 2 == 0 ? "8080" : "\"http\""
            json.append("""
                {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "\(name)", "namespace": "\(namespace)", "labels": {"tier": "1.0", "on": "yes"}},
                 "spec": {"clusterIP": "\(ip)", "ports": [{"name": "http", "port": \(80 + index % 3), "targetPort": \(targetJSON)}], "selector": {"app": "\(name)"}}}
                """)
            json.append("""
                {"apiVersion": "discovery.k8s.io/v1", "kind": "EndpointSlice",
                 "metadata": {"name": "\(name)-x", "namespace": "\(namespace)", "labels": {"kubernetes.io/service-name": "\(name)"}},
                 "addressType": "IPv4", "ports": [{"name": "http", "port": 8080, "protocol": "TCP"}],
                 "endpoints": [{"addresses": ["10.0.\(index / 256).\(index % 256)"], "conditions": {"ready": \(index % 5 != 0)}, "nodeName": "node\(index % 3)"}]}
                """)
        }
        return (yaml, "{\"apiVersion\": \"v1\", \"kind\": \"List\", \"items\": [\n" + json.joined(separator: ",\n") + "\n]}\n")
    }

    /// Services and slices without where they were read (lines differ between the forms).
    static func unlocated(_ state: ClusterState) -> (services: [Service], slices: [EndpointSlice]) {
        (state.services.map { var service = $0; service.metadata.source = nil; return service },
         state.endpointSlices.map { var slice = $0; slice.metadata.source = nil; return slice })
    }

    @Test func yamlAndJSONOfOneClusterDecodeAlike() throws {
        let (yaml, json) = Self.cluster(100)
        // Above the size where YAML is read in two runs on two threads.
        let large = Self.cluster(2000)
        #expect(large.yaml.utf8.count > ObjectCollector.parallelThreshold)
        for (yaml, json) in [(yaml, json), large] {
            let fromYAML = try ManifestLoader.load(sources: [ManifestSource(name: "c.yaml", text: yaml)])
            let fromJSON = try ManifestLoader.load(sources: [ManifestSource(name: "c.json", text: json)])
            #expect(fromYAML.state.services.count == fromJSON.state.services.count)
            #expect(Self.unlocated(fromYAML.state).services == Self.unlocated(fromJSON.state).services)
            #expect(Self.unlocated(fromYAML.state).slices == Self.unlocated(fromJSON.state).slices)
            #expect(fromYAML.state.settings == fromJSON.state.settings)
            #expect(fromYAML.state.services.first?.metadata.labels == ["tier": "1.0", "on": "yes"])
        }
    }

    static func error(_ name: String, _ text: String) -> String {
        do {
            _ = try ManifestLoader.load(sources: [ManifestSource(name: name, text: text)])
            return "no error"
        } catch {
            return "\(error)"
        }
    }

    /// A JSON string is a quoted scalar: a port must be a number, as in YAML.
    @Test func jsonStringsAreQuotedScalars() {
        let service = #"{"apiVersion": "v1", "kind": "Service", "metadata": {"name": "a"}, "spec": {"clusterIP": "10.96.0.1", "ports": [{"port": "80"}]}}"#
        #expect(Self.error("a.json", service) == "a.json: document 1 (line 1): Service default/a: spec.ports[0].port: expected an integer, got a string")
        #expect(Self.error("a.yaml", "apiVersion: v1\nkind: Service\nmetadata: {name: a}\nspec:\n  clusterIP: 10.96.0.1\n  ports:\n  - port: \"80\"\n")
            == "a.yaml: document 1 (line 7): Service default/a: spec.ports[0].port: expected an integer, got a string")
    }

    /// Errors name the line of the field, in the second of two JSON objects too.
    @Test func jsonErrorsCarryLines() {
        let text = """
            {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "a"}}
            {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "b"},
             "spec": {"clusterIP": "10.96.0.1",
                      "ports": [{"port": 70000}]}}
            """
        #expect(Self.error("s.json", text) == "s.json: document 2 (line 4): Service default/b: spec.ports[0].port: 70000 is not a valid port (1-65535)")
    }

    /// A long List is decoded in two halves; the first error in item order is the one reported.
    @Test func longListsReportTheFirstError() {
        func list(badPorts: Set<Int>) -> String {
            let items = (0..<3000).map { index in
                #"{"apiVersion": "v1", "kind": "Service", "metadata": {"name": "s\#(index)"}, "spec": {"clusterIP": "10.96.\#(index / 200).\#(index % 200 + 1)", "ports": [{"port": \#(badPorts.contains(index) ? 0 : 80)}]}}"#
            }
            return "{\"kind\": \"List\", \"apiVersion\": \"v1\", \"items\": [\n" + items.joined(separator: ",\n") + "\n]}"
        }
        #expect(Self.error("l.json", list(badPorts: [2500])) == "l.json: document 1 (line 2502): Service default/s2500: spec.ports[0].port: 0 is not a valid port (1-65535)")
        #expect(Self.error("l.json", list(badPorts: [10, 2900])) == "l.json: document 1 (line 12): Service default/s10: spec.ports[0].port: 0 is not a valid port (1-65535)")
        #expect(Self.error("l.json", list(badPorts: [])) == "no error")
    }

    /// A repeated key is refused, in YAML and in JSON, where decoding reaches it.
    @Test func duplicateKeys() {
        #expect(Self.error("d.yaml", "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: a\n  name: b\n")
            == "d.yaml: document 1 (line 4, column 3): duplicate key in a mapping: name")
        #expect(Self.error("d.json", "{\"apiVersion\": \"v1\", \"kind\": \"Namespace\", \"metadata\": {\"name\": \"a\"}}\n{\"kind\": \"x\", \"kind\": \"y\"}\n")
            == "d.json: document 2 (line 2, column 2): duplicate key in a mapping: kind")
    }

    /// Anchors, aliases, block scalars and comments decode as values.
    @Test func yamlFeaturesDecode() throws {
        let text = """
            # a comment
            apiVersion: v1
            kind: Service
            metadata:
              name: web
              annotations:
                note: |
                  two
                  lines
              labels: &labels {app: web}
            spec:
              clusterIP: 10.96.0.5  # trailing comment
              selector: *labels
              ports:
              - {port: 0x50, name: "http"}
            """
        let service = try #require(try ManifestLoader.load(sources: [ManifestSource(name: "a.yaml", text: text)]).state.services.first)
        #expect(service.metadata.annotations["note"] == "two\nlines\n")
        #expect(service.selector == ["app": "web"])
        #expect(service.ports.first?.port == 80)
    }
}
