import Testing
import Lint

@Suite struct TargetPortNotDeclaredTests {
    @Test func namedTargetPortNoPodDeclares() throws {
        let findings = try Fixtures.findings([Fixtures.service("web", ports: "[{name: http, port: 80, targetPort: htp}]"),
                                              Fixtures.pod("web-1", labels: "{app: web}")], TargetPortNotDeclared())
        #expect(findings.count == 1)
        let finding = try #require(findings.first)
        #expect(finding.severity == .error && finding.field == "spec.ports[0].targetPort")
        #expect(finding.hint == "did you mean \"http\"?")
        #expect(finding.message.contains("they declare http/8080"))
    }

    @Test func numericTargetPortIsAWarning() throws {
        let findings = try Fixtures.findings([Fixtures.service("web", ports: "[{name: http, port: 80, targetPort: 9090}]"),
                                              Fixtures.pod("web-1", labels: "{app: web}")], TargetPortNotDeclared())
        #expect(findings.map(\.severity) == [.warning])
        // Pods that declare no ports may listen anywhere.
        #expect(try Fixtures.findings([Fixtures.service("web", ports: "[{name: http, port: 80, targetPort: 9090}]"),
                                       Fixtures.pod("web-1", labels: "{app: web}", ports: "[]")], TargetPortNotDeclared()).isEmpty)
    }

    @Test func declaredPortsPass() throws {
        #expect(try Fixtures.findings([Fixtures.service("web", ports: "[{name: http, port: 80, targetPort: 8080}]"),
                                       Fixtures.pod("web-1", labels: "{app: web}")], TargetPortNotDeclared()).isEmpty)
        #expect(try Fixtures.findings([Fixtures.service("web"), Fixtures.pod("web-1", labels: "{app: web}")],
                                      TargetPortNotDeclared()).isEmpty)
        // A UDP port is not a TCP port.
        #expect(try Fixtures.findings([Fixtures.service("web", ports: "[{name: http, port: 80, targetPort: http, protocol: UDP}]"),
                                       Fixtures.pod("web-1", labels: "{app: web}")], TargetPortNotDeclared()).count == 1)
    }
}
