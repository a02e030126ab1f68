import Testing
import Lint

@Suite struct EndpointSlicePortNamesTests {
    @Test func slicePortNamedLikeNoServicePort() throws {
        let findings = try Fixtures.findings([Fixtures.service("web"), Fixtures.slice("web", portName: "htp")], EndpointSlicePortNames())
        #expect(findings.count == 1)
        let finding = try #require(findings.first)
        #expect(finding.object?.description == "EndpointSlice prod/web-1")
        #expect(finding.field == "ports[0].name" && finding.severity == .error)
        #expect(finding.location?.line == 6)
        #expect(finding.hint.hasPrefix("did you mean \"http\"?"))
    }

    @Test func servicePortNoSliceNames() throws {
        let findings = try Fixtures.findings([Fixtures.service("web", ports: "[{name: http, port: 80}, {name: metrics, port: 9090}]"),
                                              Fixtures.slice("web")], EndpointSlicePortNames())
        #expect(findings.map(\.field) == ["spec.ports[1].name"])
        #expect(findings.first?.object?.description == "Service prod/web")
    }

    @Test func matchingNamesPass() throws {
        #expect(try Fixtures.findings([Fixtures.service("web"), Fixtures.slice("web")], EndpointSlicePortNames()).isEmpty)
    }
}
