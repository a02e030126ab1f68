import ClusterState
import NetworkNamespaces
import Testing
@testable import NetnsLab

struct ChiSquareTests {
    @Test func statisticAndCriticalValue() {
        #expect(ChiSquare.statistic(observed: [1000, 1000, 1000], expected: [1000, 1000, 1000]) == 0)
        let fair = ChiSquare.test(observed: [995, 1013, 992], probabilities: [1.0 / 3, 1.0 / 3, 1.0 / 3])
        #expect(fair.degreesOfFreedom == 2 && fair.criticalValue == 13.816)
        #expect(abs(fair.statistic - 0.258) < 0.001)
        #expect(fair.fits)
        // One endpoint at 40 %: far beyond the critical value.
        #expect(!ChiSquare.test(observed: [1200, 900, 900], probabilities: [1.0 / 3, 1.0 / 3, 1.0 / 3]).fits)
        // Outside the table the test refuses to pass.
        #expect(!ChiSquare.test(observed: [0, 0, 0], probabilities: [1.0 / 3, 1.0 / 3, 1.0 / 3]).fits)
        #expect(!ChiSquare.test(observed: Array(repeating: 10, count: 12), probabilities: Array(repeating: 1.0 / 12, count: 12)).fits)
    }
}

/// Installs nothing: the negative control.
struct NoRules: RuleInstaller {
    func install(_ cluster: ClusterState, into namespace: NetworkNamespace) throws {}
}

extension PrivilegedLabTests {
/// The Service rules compiled by `KubeProxyIPTablesCompiler`, proven with real connections.
@Suite struct ServiceLabTests {
    typealias Names = StandardServiceLab

    private func withLab(_ body: (ServiceLab) throws -> Void) throws {
        let lab = try ServiceLab(scenario: try ServiceLabScenario.standard())
        defer { lab.close() }
        try body(lab)
    }

    @Test(arguments: [KubeProtocol.tcp, .udp])
    func clusterIPReachesEveryEndpointWithTheCompiledProbabilities(_ proto: KubeProtocol) throws {
        try withLab { lab in
            let check = try ServiceLabChecks.clusterIPSpread(lab, proto, connections: 3000)
            #expect(check.passed, Comment(rawValue: check.description))
            // Also straight from the connections: every one answered by b1, b2 or b3.
            let results = try lab.connect(from: Names.client, to: Endpoint4(Names.spread, port: Names.servicePort(proto))!,
                                          protocol: proto, count: 90)
            #expect(Set(results.compactMap(\.reply?.server)) == Set(Names.spreadBackends))
            #expect(results.allSatisfy { $0.outcome == .connected })
        }
    }

    @Test(arguments: [KubeProtocol.tcp, .udp])
    func serviceWithoutEndpointsIsRefusedImmediately(_ proto: KubeProtocol) throws {
        try withLab { lab in
            let check = try ServiceLabChecks.noEndpointsRefused(lab, proto)
            #expect(check.passed, Comment(rawValue: check.description))
        }
    }

    @Test(arguments: [KubeProtocol.tcp, .udp])
    func clientIPAffinityKeepsTheClientOnOneEndpoint(_ proto: KubeProtocol) throws {
        try withLab { lab in
            let check = try ServiceLabChecks.sessionAffinity(lab, proto)
            #expect(check.passed, Comment(rawValue: check.description))
        }
    }

    @Test(arguments: [KubeProtocol.tcp, .udp], [false, true])
    func nodePortAndLoadBalancerFromOutsideAreMasqueraded(_ proto: KubeProtocol, _ viaLoadBalancer: Bool) throws {
        try withLab { lab in
            let check = try ServiceLabChecks.externalMasqueraded(lab, proto, viaLoadBalancer: viaLoadBalancer)
            #expect(check.passed, Comment(rawValue: check.description))
        }
    }

    @Test(arguments: [KubeProtocol.tcp, .udp], [false, true])
    func externalTrafficPolicyLocalReachesOnlyLocalEndpoints(_ proto: KubeProtocol, _ viaLoadBalancer: Bool) throws {
        try withLab { lab in
            let check = try ServiceLabChecks.externalTrafficPolicyLocal(lab, proto, viaLoadBalancer: viaLoadBalancer)
            #expect(check.passed, Comment(rawValue: check.description))
        }
    }

    @Test(arguments: [KubeProtocol.tcp, .udp])
    func podReachesItselfThroughItsService(_ proto: KubeProtocol) throws {
        try withLab { lab in
            let check = try ServiceLabChecks.hairpin(lab, proto)
            #expect(check.passed, Comment(rawValue: check.description))
        }
    }

    /// The checks judge packets: with no rules installed the same checks fail.
    @Test func withoutRulesTheChecksFail() throws {
        let lab = try ServiceLab(scenario: try ServiceLabScenario.standard(), installer: NoRules(),
                                 options: ProbeOptions(timeout: 0.3))
        defer { lab.close() }
        #expect(try !ServiceLabChecks.clusterIPSpread(lab, .tcp, connections: 30).passed)
        #expect(try !ServiceLabChecks.noEndpointsRefused(lab, .udp).passed)
        #expect(try !ServiceLabChecks.externalMasqueraded(lab, .tcp, viaLoadBalancer: false, connections: 5).passed)
        #expect(try !ServiceLabChecks.hairpin(lab, .tcp, connections: 3).passed)
        #expect(try leftoverLabNamespaces().count == 7)
        lab.close()
        #expect(try leftoverLabNamespaces().isEmpty)
    }
}
}
