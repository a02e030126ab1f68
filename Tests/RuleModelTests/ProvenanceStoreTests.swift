import Testing
@testable import RuleModel

@Suite struct ProvenanceStoreTests {
    /// Every part a layout or a read-back can record, including the endpoint indices at the
    /// edges of the compact encoding.
    static let parts: [ServicePortPart] = EntryPoint.allCases.map { .entry($0) }
        + [.clusterDispatch, .localDispatch, .external, .firewall, .endpoint(-1), .endpoint(0), .endpoint(1),
           .endpoint(4_095), .endpoint(Int32.max), .endpoint(-2), .endpoint(Int32.min)]

    @Test func readsBackEveryPartOfInterleavedPorts() {
        let first = ServicePortSource(name: "default/a:http", l4Protocol: .tcp)
        let second = ServicePortSource(name: "default/b", l4Protocol: .udp)
        let policy = Provenance.networkPolicy(PolicySource(key: "default/deny", isPod: false, isEgress: true, ruleIndex: 2))
        var segment = ProvenanceSegment(number: 0)
        var recorded: [(ProvenanceID, Provenance)] = []
        for part in Self.parts {
            // Ports alternate (each switch stores the port again), with other provenance between.
            for source in [first, second, first] {
                recorded.append((segment.record(source, part), .servicePort(source, part)))
            }
            recorded.append((segment.record(policy), policy))
            recorded.append((segment.record(.servicePort(second, part)), .servicePort(second, part)))
        }
        let store = ProvenanceStore([segment])
        #expect(Set(recorded.map(\.0)).count == recorded.count)
        for (id, provenance) in recorded {
            #expect(store[id] == provenance)
            // The same source object, not merely an equal one.
            #expect(store[id]?.servicePort === provenance.servicePort)
        }
        #expect(store[.none] == nil)
    }

    @Test func recordsIntoATableAfterItsBuildersSegments() {
        let source = ServicePortSource(name: "ns/svc:dns", l4Protocol: .udp)
        var builder = ProvenanceSegment(number: 0)
        let built = builder.record(source, .endpoint(3))
        var table = Table("nat", chains: [Chain("KUBE-SEP-X", rules: [Rule([], .accept)], provenanceID: built), Chain("KUBE-SVC-X")],
                          provenances: ProvenanceStore([builder]))
        table.setProvenance(.servicePort(source, .endpoint(-1)), ofChainAt: 1)
        table.setProvenance(.servicePort(source, .clusterDispatch), ofRule: 0, inChainAt: 0)
        #expect(table.provenance(of: table.chains[0]) == .servicePort(source, .endpoint(3)))
        #expect(table.provenance(of: table.chains[1]) == .servicePort(source, .endpoint(-1)))
        #expect(table.provenance(of: table.chains[0].rules[0], in: table.chains[0]) == .servicePort(source, .clusterDispatch))
    }
}
