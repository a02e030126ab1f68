import Foundation
import Testing
import Lint

@Suite struct ServiceSelectorMatchesNoPodTests {
    @Test func reportsASelectorThatMatchesNothing() throws {
        let findings = try Fixtures.findings([Fixtures.service("web", selector: "{app: frontend, tier: edge}"),
                                              Fixtures.pod("web-1", labels: "{app: web}")], ServiceSelectorMatchesNoPod())
        #expect(findings.count == 1)
        let finding = try #require(findings.first)
        #expect(finding.severity == .warning && finding.field == "spec.selector")
        #expect(finding.object?.description == "Service prod/web")
        #expect(finding.location?.file == "app.yaml" && finding.location?.line == 1)
        #expect(finding.message == "selector app=frontend,tier=edge matches no Pod in namespace prod")
    }

    @Test func quietWhenAPodMatchesOrOnATypo() throws {
        #expect(try Fixtures.findings([Fixtures.service("web"), Fixtures.pod("web-1", labels: "{app: web}")],
                                      ServiceSelectorMatchesNoPod()).isEmpty)
        // One edit away: the typo check reports it instead.
        #expect(try Fixtures.findings([Fixtures.service("web", selector: "{app: wbe}"), Fixtures.pod("web-1", labels: "{app: web}")],
                                      ServiceSelectorMatchesNoPod()).isEmpty)
        // No Pods in the input at all: nothing to say.
        #expect(try Fixtures.findings([Fixtures.service("web")], ServiceSelectorMatchesNoPod()).isEmpty)
    }
}

@Suite struct PartialInputTests {
    @Test func endpointsOfPodsTheInputLeavesOutSilenceTheCheck() throws {
        // The slice names 10.244.1.10, which no listed Pod has: the Pods are just not in the input.
        let findings = try Fixtures.findings([Fixtures.service("web", selector: "{app: frontend}"), Fixtures.slice("web"),
                                              Fixtures.pod("other", labels: "{app: other}").replacingOccurrences(of: "10.244.1.10", with: "10.244.9.9")],
                                             ServiceSelectorMatchesNoPod())
        #expect(findings.isEmpty)
    }
}
