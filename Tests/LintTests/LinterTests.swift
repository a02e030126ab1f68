import Testing
import ClusterState
import Lint

@Suite struct LinterTests {
    @Test func findingsAreOrderedAndCounted() throws {
        let documents = [Fixtures.service("web", selector: "{app: wbe}", ports: "[{name: http, port: 80, nodePort: 80}]", type: "NodePort"),
                         Fixtures.pod("web-1", labels: "{app: web}")]
        let text = documents.joined(separator: "\n---\n")
        let loaded = try ManifestLoader.load(sources: [ManifestSource(name: "app.yaml", text: text)])
        let findings = Linter().run(LintContext(state: loaded.state))
        #expect(findings.map(\.check) == ["service-label-typo", "service-node-port-range"])
        #expect(findings.errorCount == 2 && findings.warningCount == 0)
        #expect(findings[0].text == "error: Service prod/web (app.yaml:1): spec.selector.app: selector app=wbe matches no Pod, so the Service has no endpoints; Pod prod/web-1 has app=web — hint: did you mean app=web? (or fix the Pod's label)")
    }

    @Test func withoutPodsSelectorChecksSaySo() throws {
        let loaded = try ManifestLoader.load(sources: [ManifestSource(name: "app.yaml", text: Fixtures.service("web"))])
        let findings = Linter().run(LintContext(state: loaded.state))
        #expect(findings.map(\.severity) == [.info])
        #expect(findings.first?.check == "no-pods")
    }
}
