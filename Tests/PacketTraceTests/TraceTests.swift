import Testing
import TestSupport
import ClusterState
import NetworkAddresses
import PacketPath
import PacketTrace
import RuleModel

/// Traces through the compiled kube-proxy layout of the reference cases.
@Suite struct TraceTests {
    private func side(_ caseName: String) throws -> LoadedSide {
        try SideLoader(liveReader: nil).load(.paths([SharedCases.path(caseName, "input.yaml")]))
    }

    private func trace(_ caseName: String, from source: String, to destination: String, port: UInt16,
                       proto: L4Protocol = .tcp) throws -> TraceResult {
        try Review.trace(try side(caseName), TraceRequest(source: .address(IPAddress(source)!), destination: IPAddress(destination)!,
                                                          proto: proto, destinationPort: port))
    }

    @Test func fiveEndpointsGetAFifthEach() throws {
        let result = try trace("clusterip-5-endpoints", from: "10.1.2.3", to: "172.30.0.20", port: 80)
        #expect(result.outcomes.count == 5)
        #expect(result.outcomes.allSatisfy { $0.probability == Probability(1, 5) && $0.disposition == .forwarded })
        #expect(result.outcomes.compactMap(\.dnatTarget) == ["10.180.0.1:8080", "10.180.1.1:8080", "10.180.2.1:8080",
                                                              "10.180.3.1:8080", "10.180.4.1:8080"])
        // From the pod network: no SNAT.
        #expect(result.outcomes.allSatisfy { !$0.masqueraded })
        #expect(result.totalProbability == .one)
        // The third endpoint is reached after two draws not taken, then its own 1/3 draw.
        let third = result.outcomes[2].steps.filter { $0.chain.hasPrefix("KUBE-SVC-") }
        #expect(third.map(\.effect) == ["not taken (probability 4/5 of reaching it)", "not taken (probability 3/4 of reaching it)",
                                        "jump KUBE-SEP-YHZWXKH6BBIMSFOO (statistic draw 1/3 taken)"])
        #expect(result.outcomes[2].packet.destination == IPAddress("10.180.2.1")!)
        #expect(result.outcomes[2].packet.destinationPort == 8080)
    }

    @Test func clientsOutsideTheClusterAreMasqueraded() throws {
        let result = try trace("clusterip-2-endpoints", from: "198.51.100.7", to: "172.30.0.20", port: 80)
        #expect(result.outcomes.count == 2)
        #expect(result.outcomes.allSatisfy { $0.masqueraded && $0.packet.mark == 0 })
        #expect(result.outcomes[0].steps.contains { $0.effect.hasPrefix("mark |= 0x4000") })
        #expect(result.outcomes[0].steps.contains { $0.chain == "KUBE-POSTROUTING" && $0.effect.hasPrefix("MASQUERADE") })
    }

    @Test func theNodeItselfUsesOutput() throws {
        let result = try trace("clusterip-1-endpoints", from: "192.168.0.2", to: "172.30.0.20", port: 80)
        #expect(result.origin == .node)
        #expect(result.outcomes.count == 1)
        #expect(result.outcomes[0].steps.first?.chain == "OUTPUT")
        #expect(result.outcomes[0].masqueraded)
    }

    @Test func noEndpointsRejects() throws {
        let result = try trace("clusterip-0-endpoints", from: "10.1.2.3", to: "172.30.0.10", port: 80)
        #expect(result.outcomes.count == 1)
        #expect(result.outcomes[0].disposition == .rejected(table: "filter", chain: "KUBE-SERVICES", rule: 1))
        #expect(result.outcomes[0].dnatTarget == nil)
    }

    @Test func nodePortFromOutside() throws {
        let result = try trace("nodeport-cluster", from: "198.51.100.7", to: "192.168.0.2", port: 30080)
        #expect(result.outcomes.count == 2, "\(result.text())")
        #expect(result.outcomes.allSatisfy { $0.dnatTarget != nil && $0.masqueraded && $0.probability == Probability(1, 2) })
        #expect(result.outcomes[0].steps.contains { $0.chain == "KUBE-NODEPORTS" })
    }

    @Test func externalPolicyLocalWithoutLocalEndpointsDrops() throws {
        let input = try SharedCases.text("nodeport-local-no-local-endpoints", "input.yaml")
        let nodePort = try #require(input.split(separator: "\n").first { $0.contains("nodePort:") }?.split(separator: " ").last.flatMap { UInt16($0) })
        let result = try trace("nodeport-local-no-local-endpoints", from: "198.51.100.7", to: "192.168.0.2", port: nodePort)
        #expect(result.outcomes.count == 1, "\(result.text())")
        #expect(result.outcomes[0].disposition == .dropped(table: "filter", chain: "KUBE-EXTERNAL-SERVICES", rule: 1))
    }

    @Test func loadBalancerSourceRanges() throws {
        // ns5/svc5: LB 5.6.7.8:80, allowed from 203.0.113.0/25.
        let outside = try trace("upstream-overall-scenario", from: "198.51.100.7", to: "5.6.7.8", port: 80)
        #expect(outside.outcomes.count == 1)
        #expect(outside.outcomes[0].disposition == .dropped(table: "filter", chain: "KUBE-PROXY-FIREWALL", rule: 1))
        let inside = try trace("upstream-overall-scenario", from: "203.0.113.9", to: "5.6.7.8", port: 80)
        #expect(inside.outcomes.map(\.dnatTarget) == ["10.180.0.3:80"])
        #expect(inside.outcomes[0].steps.contains { $0.chain.hasPrefix("KUBE-FW-") })
        #expect(inside.outcomes[0].notes.contains { $0.contains("recorded in recent list") })
    }

    @Test func sessionAffinity() throws {
        let first = try trace("session-affinity-clientip", from: "10.1.2.3", to: "172.30.0.60", port: 80)
        #expect(first.outcomes.count == 3, "\(first.text())")
        #expect(first.outcomes.allSatisfy { $0.probability == Probability(1, 3) })
        let chosen = try #require(first.outcomes[1].steps.last { $0.chain.hasPrefix("KUBE-SEP-") }?.chain)
        // A client already in that endpoint's list goes there every time.
        let again = try Review.trace(try side("session-affinity-clientip"),
                                     TraceRequest(source: .address(IPAddress("10.1.2.3")!), destination: IPAddress("172.30.0.60")!,
                                                  proto: .tcp, destinationPort: 80),
                                     recentEntries: [chosen: [IPAddress("10.1.2.3")!]])
        #expect(again.outcomes.count == 1)
        #expect(again.outcomes[0].probability == .one)
        #expect(again.outcomes[0].dnatTarget == first.outcomes[1].dnatTarget)
    }

    @Test func restorePayloadHasNoEntryPoints() throws {
        let side = try SideLoader(liveReader: nil).load(.paths([SharedCases.path("clusterip-1-endpoints", "kube-proxy.iptables-save")]))
        let result = try Review.trace(side, TraceRequest(source: .address(IPAddress("10.1.2.3")!), destination: IPAddress("172.30.0.20")!,
                                                         proto: .tcp, destinationPort: 80))
        #expect(result.notes.contains { $0.contains("no built-in chain holds a rule") })
        #expect(result.outcomes.count == 1 && result.outcomes[0].dnatTarget == nil)
    }

    /// Every outcome set is a probability distribution, for every cluster IP port of every case.
    @Test(arguments: SharedCases.names)
    func outcomesSumToOne(caseName: String) throws {
        let side = try side(caseName)
        let state = try #require(side.cluster?.state)
        let family = Pipeline.defaultFamilies(for: state)[0]
        for service in state.services {
            guard let ip = service.clusterIP(for: family) else { continue }
            for port in service.ports {
                let proto: L4Protocol = port.protocol == .udp ? .udp : port.protocol == .sctp ? .sctp : .tcp
                let client = family == .ipv4 ? IPAddress("10.1.2.3")! : IPAddress("fd00:10::99")!
                let result = try Review.trace(side, TraceRequest(source: .address(client), destination: ip, proto: proto,
                                                                 destinationPort: UInt16(port.port)))
                #expect(result.totalProbability == .one, "\(caseName) \(service.metadata.key):\(port.port)")
                #expect(!result.outcomes.isEmpty)
            }
        }
    }
}
