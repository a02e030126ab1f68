import NetworkAddresses
import NetworkNamespaces
import PacketPath
import PacketTrace
import RuleModel
import TestSupport
import Testing

/// `trace` over nft text read back from a listing: numgen's exact shares, affinity sets
/// (unknown clients spread, a client assumed in an endpoint's set sticks to it).
@Suite struct NFTInputTraceTests {
    static let caseName = "session-affinity-clientip"
    static let packet = TracePacket(source: IPAddress("10.1.2.3")!, destination: IPAddress("172.30.0.60")!, proto: .tcp,
                                    destinationPort: 80)

    static func tracer(recent: [ChainName: Set<IPAddress>] = [:]) throws -> PacketTracer {
        let side = try SideLoader(liveReader: nil).load(.paths([SharedCases.path(caseName, "live-nft-list.txt")]))
        return try Review.tracer(side, family: .ipv4, nodeAddresses: [IPPrefix("192.168.0.2/24")!], recentEntries: recent).0
    }

    @Test func aNewClientIsSpreadOverEveryEndpointInThirds() throws {
        let result = try Self.tracer().trace(Self.packet)
        #expect(result.outcomes.count == 3)
        #expect(result.outcomes.allSatisfy { $0.probability == Probability(1, 3) && $0.disposition.passes })
        #expect(Set(result.outcomes.compactMap(\.dnatTarget)) == ["10.180.0.81:8080", "10.180.1.81:8080", "10.180.2.81:8080"])
    }

    @Test func aClientInAnEndpointsAffinitySetSticksToIt() throws {
        let tracer = try Self.tracer()
        let set = try #require(tracer.ruleset.tables[0].sets.first { $0.name.description.hasSuffix("__10.180.1.81/8080") })
        let result = try Self.tracer(recent: [set.name: [Self.packet.source]]).trace(Self.packet)
        #expect(result.outcomes.map(\.dnatTarget) == ["10.180.1.81:8080"])
        #expect(result.outcomes.first?.probability == Probability(1, 1))
    }

    @Test func theTraceCommandReadsBothNFTForms() throws {
        for file in ["live-nft-list.txt", "kube-proxy.nft"] {
            let output = try HostCommand.run([ProjectPaths.binary, "trace", SharedCases.path(Self.caseName, file),
                                              "--src", "10.1.2.3", "--dst", "172.30.0.60", "--dport", "80", "-o", "json"])
            #expect(output.status == 0, "\(output.stderr)")
            #expect(output.stdout.components(separatedBy: "\"percent\" : \"33.33%\"").count == 4, "\(output.stdout.prefix(400))")
        }
    }
}
