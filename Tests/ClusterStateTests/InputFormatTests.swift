import Testing
import NetworkAddresses
@testable import ClusterState

/// What kubectl and the API server print is read as they mean it: typed lists, JSON streams,
/// byte-order marks and UTF-16.
@Suite struct InputFormatTests {
    @Test func typedListsAreListsAndItemsTakeTheirKindFromTheList() throws {
        let loaded = try FixtureFiles.load("typed-lists.yaml")
        #expect(loaded.state.services.map(\.metadata.key) == ["prod/web"])
        let slice = try #require(loaded.state.endpointSlices.first)
        #expect(slice.serviceName == "web")
        #expect(slice.endpoints.map(\.addressText) == ["10.244.1.5"])
        #expect(loaded.state.endpointSlices.first?.metadata.source?.line == 14)
        #expect(loaded.warnings.filter { !$0.isNote }.isEmpty, "\(loaded.warnings)")
    }

    @Test func typedListOfAnotherGroupInheritsItsAPIVersion() throws {
        let loaded = try ManifestLoader.load(sources: [ManifestSource(name: "l.yaml", text: """
            apiVersion: apps/v1
            kind: DeploymentList
            items:
            - metadata: {name: web, namespace: prod}
            """)])
        #expect(loaded.warnings.filter { !$0.isNote }.map(\.description) == ["l.yaml: document 1 (line 4): skipping apps/v1 Deployment prod/web: not used by PacketPath"])
    }

    @Test func anEmptyTypedListIsEmpty() throws {
        let loaded = try ManifestLoader.load(sources: [ManifestSource(name: "l.yaml", text: "apiVersion: v1\nkind: ServiceList\nitems: null\n")])
        #expect(loaded.state.services.isEmpty)
        #expect(loaded.warnings.filter { !$0.isNote }.isEmpty, "\(loaded.warnings)")
    }

    @Test func concatenatedJSONObjectsAreDocuments() throws {
        let loaded = try FixtureFiles.load("stream.json")
        #expect(loaded.state.services.map(\.metadata.name) == ["a", "b", "c"])
        #expect(loaded.state.services.map { $0.metadata.source?.document ?? 0 } == [1, 2, 3])
        #expect(loaded.state.services.map { $0.metadata.source?.line ?? 0 } == [1, 16, 17])
        // An escaped surrogate pair (as Python and some tools write JSON) is one character.
        #expect(loaded.state.services[2].metadata.annotations["note"] == "café 😀")
    }

    @Test(arguments: ["bom-utf8.yaml", "utf16le.yaml", "utf16be.yaml"])
    func byteOrderMarksAndUTF16(name: String) throws {
        let service = try #require(try FixtureFiles.load(name).state.services.first)
        #expect(service.metadata.key == "prod/web")
        #expect(service.clusterIPs == [IPAddress("10.96.0.10")!])
    }

    @Test func trailingCommaInJSONIsAnError() {
        #expect(FixtureFiles.error("trailing-comma.json")
            == "trailing-comma.json: document 1 (line 4, column 30): JSON syntax error: trailing comma before '}'")
    }

    @Test func jsonSyntaxErrors() {
        func error(_ text: String) -> String {
            do { _ = try ManifestLoader.load(sources: [ManifestSource(name: "a.json", text: text)]); return "no error" } catch { return "\(error)" }
        }
        #expect(error("{\"a\": [1, 2,]}") == "a.json: document 1 (line 1, column 13): JSON syntax error: trailing comma before ']'")
        #expect(error("{\"kind\": 'x'}") == "a.json: document 1 (line 1, column 10): JSON syntax error: expected a value, got a single quote (JSON strings use double quotes)")
        #expect(error("{\"apiVersion\": \"v1\", \"kind\": \"Namespace\", \"metadata\": {\"name\": \"a\"}}\n{\"a\": 01}")
            == "a.json: document 2 (line 2, column 7): JSON syntax error: a number may not have a leading zero")
        #expect(error("{\"a\": 1} [1]") == "a.json: document 2 (line 1, column 10): JSON syntax error: expected an object, got a list (a JSON stream holds objects)")
    }

    @Test func yamlFlowMappingsStayYAML() throws {
        let loaded = try ManifestLoader.load(sources: [ManifestSource(name: "f.yaml", text: "{apiVersion: v1, kind: Namespace, metadata: {name: a}}\n")])
        #expect(loaded.state.namespaces.map(\.metadata.name) == ["a"])
    }
}
