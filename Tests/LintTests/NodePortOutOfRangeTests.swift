import Testing
import ClusterState
import Lint

@Suite struct NodePortOutOfRangeTests {
    @Test func nodePortBelowTheRange() throws {
        let findings = try Fixtures.findings([Fixtures.service("web", ports: "[{name: http, port: 80, nodePort: 3001}]", type: "NodePort")],
                                             NodePortOutOfRange())
        #expect(findings.count == 1)
        #expect(findings.first?.field == "spec.ports[0].nodePort")
        #expect(findings.first?.message == "nodePort 3001 is outside the NodePort range 30000-32767")
    }

    @Test func inRangeAndCustomRanges() throws {
        let ok = Fixtures.service("web", ports: "[{name: http, port: 80, nodePort: 30080}]", type: "NodePort")
        #expect(try Fixtures.findings([ok], NodePortOutOfRange()).isEmpty)
        let loaded = try ManifestLoader.load(sources: [ManifestSource(name: "a.yaml", text: ok)])
        #expect(NodePortOutOfRange().findings(in: LintContext(state: loaded.state, nodePortRange: 20000...22767)).count == 1)
    }
}
