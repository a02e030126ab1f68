import Testing
import Lint

@Suite struct NoReadyEndpointsTests {
    @Test func noReadyEndpoint() throws {
        let findings = try Fixtures.findings([Fixtures.service("web"), Fixtures.slice("web", ready: false)], NoReadyEndpoints())
        #expect(findings.count == 1)
        #expect(findings.first?.message == "no ready endpoints (1 endpoint(s), none ready): connections to 10.96.0.10 are rejected")
        #expect(findings.first?.severity == .warning)
    }

    @Test func serviceWithoutSlice() throws {
        let findings = try Fixtures.findings([Fixtures.service("web"), Fixtures.service("api", clusterIP: "10.96.0.11"),
                                              Fixtures.slice("web")], NoReadyEndpoints())
        #expect(findings.map { $0.object?.description } == ["Service prod/api"])
        #expect(findings.first?.message.contains("no EndpointSlice names it") == true)
    }

    @Test func readyAndHeadlessPass() throws {
        #expect(try Fixtures.findings([Fixtures.service("web"), Fixtures.slice("web")], NoReadyEndpoints()).isEmpty)
        #expect(try Fixtures.findings([Fixtures.service("db", clusterIP: "None"), Fixtures.slice("web")], NoReadyEndpoints()).isEmpty)
        // Without any EndpointSlice in the input there is nothing to judge.
        #expect(try Fixtures.findings([Fixtures.service("web")], NoReadyEndpoints()).isEmpty)
    }
}
