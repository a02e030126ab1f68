import Testing
import NetworkAddresses
import PacketPath
import PacketTrace
import RuleModel

/// The walker on hand-made rules: nothing kube-proxy specific.
@Suite struct GenericWalkTests {
    private let packet = TracePacket(source: IPAddress("10.0.0.5")!, destination: IPAddress("10.0.0.9")!, proto: .tcp, destinationPort: 80)
    private let environment = TraceEnvironment(interfaceAddresses: [IPPrefix("192.168.0.2/24")!])

    private func forward(_ rules: [Rule], policyAccepts: Bool = true, extra: [Chain] = []) -> Ruleset {
        Ruleset(family: .ipv4, tables: [Table("filter", chains: [
            Chain("FORWARD", rules: rules, attachment: BaseChainAttachment(hook: .forward, priority: 0, policyAccepts: policyAccepts)),
        ] + extra)])
    }

    @Test func gotoReturnsToTheCallersCaller() {
        let ruleset = forward([Rule([], .jump("A")), Rule([], .drop)], extra: [
            Chain("A", rules: [Rule([], .goto("B")), Rule([], .accept)]),
            Chain("B", rules: [Rule([.l4Protocol(.udp)], .accept)]),
        ])
        // B falls off its end: back to FORWARD (not to A), whose next rule drops.
        let result = PacketTracer(ruleset: ruleset, environment: environment).trace(packet)
        #expect(result.outcomes.map(\.disposition) == [.dropped(table: "filter", chain: "FORWARD", rule: 2)])
    }

    @Test func policyDropAndReturn() {
        let ruleset = forward([Rule([], .jump("A"))], policyAccepts: false, extra: [
            Chain("A", rules: [Rule([.destinationPort(PortRange(80))], .return), Rule([], .accept)]),
        ])
        let result = PacketTracer(ruleset: ruleset, environment: environment).trace(packet)
        #expect(result.outcomes.map(\.disposition) == [.dropped(table: "filter", chain: "FORWARD", rule: nil)])
        #expect(result.outcomes[0].steps.last?.effect == "policy DROP")
    }

    @Test func nestedStatisticsMultiply() {
        let ruleset = forward([
            Rule([.statistic(Probability(1, 2)), .statistic(Probability(1, 3))], .drop),
            Rule([.statistic(Probability(1, 4))], .reject()),
        ])
        let result = PacketTracer(ruleset: ruleset, environment: environment).trace(packet)
        // Most likely first: accepted 5/8, rejected 5/24, dropped 1/6.
        #expect(result.outcomes.map(\.probability) == [Probability(5, 8), Probability(5, 24), Probability(1, 6)])
        #expect(result.totalProbability == .one)
    }

    @Test func jumpLoopsEndUnresolved() {
        let ruleset = forward([Rule([], .jump("A"))], extra: [Chain("A", rules: [Rule([], .jump("A"))])])
        let result = PacketTracer(ruleset: ruleset, environment: environment).trace(packet)
        guard case .unresolved(let reason)? = result.outcomes.first?.disposition else {
            Issue.record("expected an unresolved outcome")
            return
        }
        #expect(reason.contains("nested jumps"))
    }

    /// What the NetworkPolicy compiler's chains look like to the tracer: ordinary filter chains,
    /// recognised by their provenance (not their names) only to name the verdict.
    @Test func policyVerdictHook() throws {
        var segment = ProvenanceSegment()
        let machinery = segment.record(.networkPolicy(nil))
        let policy = segment.record(.networkPolicy(PolicySource(key: "x/a", isPod: true, isEgress: false)))
        var ruleset = forward([Rule([], .jump("POLICY-FORWARD"))])
        ruleset.tables[0].append([
            Chain("POLICY-FORWARD", rules: [Rule([.destination(.host(IPAddress("10.0.0.9")!))], .jump("INGRESS-x-a"))],
                  provenanceID: machinery),
            Chain("INGRESS-x-a", rules: [Rule([.l4Protocol(.tcp), .destinationPort(PortRange(81))], .accept), Rule([], .drop)],
                  provenanceID: policy),
            Chain("UNRELATED", rules: [Rule([], .drop)]),
        ], recordedIn: segment)
        let tracer = PacketTracer(ruleset: ruleset, environment: TraceEnvironment(interfaceAddresses: []))
        let denied = tracer.trace(packet)
        #expect(denied.outcomes.map(\.policy) == [.denied(chain: "INGRESS-x-a", rule: 2)])
        var allowedPacket = packet
        allowedPacket.destinationPort = 81
        #expect(tracer.trace(allowedPacket).outcomes.map(\.policy) == [.allowed(chains: ["POLICY-FORWARD", "INGRESS-x-a"])])

        // The same chains without provenance are just filter chains: a drop there is no policy's.
        var plain = ruleset
        for index in plain.tables[0].chains.indices { plain.tables[0].setProvenance(nil, ofChainAt: index) }
        let unattributed = PacketTracer(ruleset: plain, environment: TraceEnvironment(interfaceAddresses: [])).trace(packet)
        #expect(unattributed.outcomes.map(\.policy) == [.notEvaluated])
    }
}
