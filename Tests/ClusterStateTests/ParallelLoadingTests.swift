import Testing
@testable import ClusterState

/// Large files are decoded in two runs on two threads; the result, document numbers and
/// error locations must be exactly those of a single sequential pass.
@Suite struct ParallelLoadingTests {
    private func services(_ count: Int, badAt: Int? = nil) -> String {
        (0..<count).map { index in
            """
            ---
            apiVersion: v1
            kind: Service
            metadata: {name: svc\(index), namespace: ns}
            spec:
              clusterIP: 10.96.\(index / 250).\(index % 250 + 1)
              ports:
              - port: \(index == badAt ? 99999 : 80)

            """
        }.joined()
    }

    @Test func splitRunsDecodeLikeOnePass() throws {
        let text = services(12_000)
        #expect(text.utf8.count > ObjectCollector.parallelThreshold)
        let runs = DocumentRuns.split(text, parts: 2)
        #expect(runs.count == 2)
        #expect(runs[1].text.hasPrefix("---\n"))
        let state = try ManifestLoader.load(sources: [ManifestSource(name: "big.yaml", text: text)]).state
        #expect(state.services.count == 12_000)
        #expect(state.services.map(\.metadata.name) == (0..<12_000).map { "svc\($0)" })
        let last = try #require(state.services.last?.metadata.source)
        // The object starts on the line after its "---".
        #expect(last == SourceLocation(file: "big.yaml", document: 12_000, line: 2 + 11_999 * 8))
    }

    @Test func errorsInTheSecondRunKeepFileWideLocations() {
        let text = services(12_000, badAt: 11_000)
        do {
            _ = try ManifestLoader.load(sources: [ManifestSource(name: "big.yaml", text: text)])
            Issue.record("no error")
        } catch {
            #expect("\(error)" == "big.yaml: document 11001 (line \(11_000 * 8 + 8)): Service ns/svc11000: spec.ports[0].port: 99999 is not a valid port (1-65535)")
        }
    }

    @Test func directivesAreNeverSplit() {
        #expect(DocumentRuns.split("%YAML 1.1\n---\na: 1\n---\nb: 2\n", parts: 2).count == 1)
    }
}
