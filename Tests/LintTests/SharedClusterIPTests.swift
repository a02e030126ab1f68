import Testing
import Lint

@Suite struct SharedClusterIPTests {
    @Test func secondServiceOnTheSameAddress() throws {
        let findings = try Fixtures.findings([Fixtures.service("web"), Fixtures.service("api"),
                                              Fixtures.service("db", clusterIP: "10.96.0.12")], SharedClusterIP())
        #expect(findings.count == 1)
        #expect(findings.first?.object?.description == "Service prod/api")
        #expect(findings.first?.message == "cluster IP 10.96.0.10 is also Service prod/web's")
        #expect(findings.first?.severity == .error && findings.first?.field == "spec.clusterIP")
    }

    @Test func headlessServicesShareNothing() throws {
        #expect(try Fixtures.findings([Fixtures.service("a", clusterIP: "None"), Fixtures.service("b", clusterIP: "None")],
                                      SharedClusterIP()).isEmpty)
    }
}
