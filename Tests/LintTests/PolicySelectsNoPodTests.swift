import Testing
import Lint

@Suite struct PolicySelectsNoPodTests {
    private func policy(_ selector: String) -> String {
        """
        apiVersion: networking.k8s.io/v1
        kind: NetworkPolicy
        metadata: {name: deny, namespace: prod}
        spec: {podSelector: \(selector), policyTypes: [Ingress]}
        """
    }

    @Test func policyThatSelectsNothing() throws {
        let findings = try Fixtures.findings([Fixtures.pod("web-1", labels: "{app: web}"), policy("{matchLabels: {app: wbe}}")],
                                             PolicySelectsNoPod())
        #expect(findings.count == 1)
        #expect(findings.first?.object?.description == "NetworkPolicy prod/deny")
        #expect(findings.first?.field == "spec.podSelector")
        #expect(findings.first?.hint == "did you mean app=web?")
        #expect(findings.first?.location?.line == 8)
    }

    @Test func selectingPoliciesPass() throws {
        #expect(try Fixtures.findings([Fixtures.pod("web-1", labels: "{app: web}"), policy("{}")], PolicySelectsNoPod()).isEmpty)
        #expect(try Fixtures.findings([Fixtures.pod("web-1", labels: "{app: web}"), policy("{matchLabels: {app: web}}")],
                                      PolicySelectsNoPod()).isEmpty)
    }
}
