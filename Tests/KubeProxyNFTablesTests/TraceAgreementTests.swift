import ClusterState
import Foundation
import NetworkAddresses
import PacketPath
import PacketTrace
import RuleModel
import TestSupport
import Testing

/// The two backends are different rulesets for the same Services: a packet traced through
/// kube-proxy's nftables table must end where it ends through the iptables chains (same
/// endpoints, same probabilities, same verdicts, same masquerading).
@Suite struct TraceAgreementTests {
    struct Probe: Sendable, CustomStringConvertible {
        let caseName: String
        let source: String
        let destination: String
        let port: UInt16
        var proto: L4Protocol = .tcp
        var description: String { "\(caseName): \(source) -> \(destination):\(port)" }
    }

    static let probes: [Probe] = [
        Probe(caseName: "clusterip-2-endpoints", source: "10.1.2.3", destination: "172.30.0.20", port: 80),
        Probe(caseName: "clusterip-2-endpoints", source: "198.51.100.7", destination: "172.30.0.20", port: 80),
        Probe(caseName: "clusterip-5-endpoints", source: "10.1.2.3", destination: "172.30.0.20", port: 80),
        Probe(caseName: "clusterip-0-endpoints", source: "10.1.2.3", destination: "172.30.0.10", port: 80),
        Probe(caseName: "nodeport-cluster", source: "198.51.100.7", destination: "192.168.0.2", port: 30080),
        Probe(caseName: "nodeport-local", source: "198.51.100.7", destination: "192.168.0.2", port: 30081),
        Probe(caseName: "nodeport-local", source: "10.1.2.3", destination: "192.168.0.2", port: 30081),
        Probe(caseName: "nodeport-local-no-local-endpoints", source: "198.51.100.7", destination: "192.168.0.2", port: 30082),
        Probe(caseName: "internal-traffic-policy-local", source: "10.1.2.3", destination: "172.30.0.70", port: 53, proto: .udp),
        Probe(caseName: "loadbalancer-source-ranges", source: "203.0.113.9", destination: "5.6.7.8", port: 443),
        Probe(caseName: "loadbalancer-source-ranges", source: "192.0.2.1", destination: "5.6.7.8", port: 443),
        Probe(caseName: "externalips-cluster", source: "198.51.100.7", destination: "198.51.100.10", port: 80),
        Probe(caseName: "udp-tcp-dns", source: "10.1.2.3", destination: "172.30.0.10", port: 53, proto: .udp),
        Probe(caseName: "sctp-service", source: "10.1.2.3", destination: "172.30.0.23", port: 3868, proto: .sctp),
        Probe(caseName: "no-endpoints-all-entrypoints", source: "198.51.100.7", destination: "192.168.0.2", port: 30990),
        Probe(caseName: "session-affinity-clientip", source: "10.1.2.3", destination: "172.30.0.60", port: 80),
        Probe(caseName: "masquerade-all", source: "10.1.2.3", destination: "172.30.0.20", port: 80),
        Probe(caseName: "topology-hints", source: "10.1.2.3", destination: "172.30.0.95", port: 80),
        Probe(caseName: "terminating-serving-fallback", source: "10.1.2.3", destination: "172.30.0.82", port: 80),
        Probe(caseName: "ipv6-clusterip-nodeport", source: "fd00:10::99", destination: "fd00:172:30::10", port: 80),
        Probe(caseName: "upstream-overall-scenario", source: "198.51.100.7", destination: "1.2.3.4", port: 80),
        Probe(caseName: "upstream-overall-scenario", source: "203.0.113.5", destination: "5.6.7.8", port: 80),
        Probe(caseName: "upstream-overall-scenario", source: "192.0.2.1", destination: "5.6.7.8", port: 80),
        Probe(caseName: "upstream-overall-scenario", source: "10.1.2.3", destination: "172.30.0.46", port: 80),
    ]

    struct Ending: Hashable, CustomStringConvertible {
        let probability: Probability
        let dnat: String?
        let masqueraded: Bool
        let passes: Bool
        var description: String { "\(probability) \(dnat ?? "-") masq=\(masqueraded) passes=\(passes)" }
    }

    static func endings(_ ruleset: Ruleset, _ state: ClusterState, _ probe: Probe) -> [Ending] {
        let tracer = PacketTracer(ruleset: ruleset, environment: TraceEnvironment(interfaceAddresses: state.settings.interfaceAddresses))
        let result = tracer.trace(TracePacket(source: IPAddress(probe.source)!, destination: IPAddress(probe.destination)!,
                                              proto: probe.proto, destinationPort: probe.port))
        return result.outcomes.map {
            Ending(probability: $0.probability, dnat: $0.dnatTarget, masqueraded: $0.masqueraded, passes: $0.disposition.passes)
        }.sorted { $0.description < $1.description }
    }

    @Test(arguments: probes)
    func nftablesAndIPTablesSendThePacketToTheSamePlaces(probe: Probe) throws {
        let path = ProjectPaths.kubeProxyCases + "/" + probe.caseName + "/input.yaml"
        let state = try ManifestLoader.load(paths: [path]).state
        let families = Pipeline.defaultFamilies(for: state)
        let iptables = Self.endings(Pipeline.compileServices(state, families: families)[0], state, probe)
        let nftables = Self.endings(Pipeline.compileNFTables(state, families: families)[0], state, probe)
        #expect(!iptables.isEmpty)
        #expect(nftables == iptables)
    }

    /// The agreement above is not two empty traces: numgen spreads over every endpoint.
    @Test func numgenGivesEachEndpointItsShare() throws {
        let probe = Self.probes[2]
        let state = try ManifestLoader.load(paths: [ProjectPaths.kubeProxyCases + "/" + probe.caseName + "/input.yaml"]).state
        let endings = Self.endings(Pipeline.compileNFTables(state, families: [.ipv4])[0], state, probe)
        #expect(endings.count == 5)
        #expect(endings.allSatisfy { $0.probability == Probability(1, 5) && $0.dnat != nil && $0.passes })
        #expect(Set(endings.compactMap(\.dnat)).count == 5)
    }
}
