import Testing
import ClusterState

/// Lint findings point at `metadata.source`; these pin down what it holds.
@Suite struct SourceLocationTests {
    @Test func objectsRememberFileDocumentAndLine() throws {
        let yaml = """
            apiVersion: v1
            kind: Service
            metadata:
              name: web
              namespace: prod
            spec:
              clusterIP: 10.96.0.10
              ports:
              - port: 80
            ---
            apiVersion: v1
            kind: Pod
            metadata:
              name: web-1
              namespace: prod
            """
        let loaded = try ManifestLoader.load(sources: [ManifestSource(name: "app.yaml", text: yaml)])
        let service = try #require(loaded.state.services.first)
        let pod = try #require(loaded.state.pods.first)
        #expect(service.metadata.source == SourceLocation(file: "app.yaml", document: 1, line: 1))
        #expect(pod.metadata.source == SourceLocation(file: "app.yaml", document: 2, line: 11))
    }
}
