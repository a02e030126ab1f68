import Foundation
import NetworkAddresses
import PacketPath
import PacketTrace
import RuleModel
import Testing
import TestSupport

/// Traces through a node that also runs Docker, Calico and flannel (`Tests/NodeDumps`): the
/// Service's endpoints come out right, and every rule the model holds only verbatim is named
/// in a note on the paths that met it.
@Suite struct NodeDumpTraceTests {
    static let nodeAddress = [IPPrefix("192.168.0.2/24")!]

    static func trace(from source: String, to destination: String, port: UInt16,
                      in inInterface: String?, out outInterface: String?) throws -> TraceResult {
        let side = try SideLoader(liveReader: nil).load(.paths([NodeDumps.canalDocker]))
        var request = TraceRequest(source: .address(IPAddress(source)!), destination: IPAddress(destination)!, proto: .tcp,
                                   destinationPort: port)
        request.inInterface = inInterface
        request.outInterface = outInterface
        return try Review.trace(side, request, nodeAddresses: nodeAddress)
    }

    @Test func podToServiceThroughCalicoAndFlannel() throws {
        let result = try Self.trace(from: "10.180.0.5", to: "172.30.0.20", port: 80, in: "cali1a2b3c4d5e6", out: "eth0")
        let passing = result.outcomes.filter(\.disposition.passes)
        #expect(Set(passing.compactMap(\.dnatTarget)) == ["10.180.0.1:8080", "10.180.1.1:8080"])
        #expect(passing.allSatisfy { $0.probability == Probability(1, 2) })
        #expect(!result.boundHit)
        #expect(result.notes.contains { $0.hasPrefix("some rules could not be evaluated") })
        // Passing needed Calico's reverse-path check not to drop and its profile set to match.
        for outcome in passing {
            #expect(outcome.notes.contains { $0.hasPrefix("assumed: raw cali-PREROUTING rule 3 does not match") && $0.contains("-m rpfilter") })
            #expect(outcome.notes.contains { $0.hasPrefix("assumed: filter cali-fw-cali1a2b3c4d5e6 rule 5 matches") && $0.contains("-m set --match-set cali40s:") })
        }
        // Calico's outgoing NAT depends on its IP sets: both ways are there.
        #expect(Set(passing.map(\.masqueraded)) == [true, false])
        // The interfaces were given, so no interface match was guessed.
        #expect(!result.outcomes.flatMap(\.notes).contains { $0.contains("interface is not known") })
    }

    @Test func dockerPublishedPort() throws {
        let result = try Self.trace(from: "203.0.113.9", to: "192.168.0.2", port: 8080, in: "eth0", out: "docker0")
        let passing = result.outcomes.filter(\.disposition.passes)
        #expect(!passing.isEmpty)
        #expect(passing.allSatisfy { $0.dnatTarget == "172.17.0.2:80" && $0.disposition == .forwarded })
        #expect(passing.allSatisfy { $0.notes.contains { $0.hasPrefix("filter DOCKER-USER rule 1 may log the packet") } })
        // The published port is accepted by Docker's own chain.
        #expect(passing.allSatisfy { $0.steps.contains { $0.chain == "DOCKER" && $0.table == "filter" && $0.effect == "ACCEPT" } })
        #expect(result.outcomes.allSatisfy { $0.disposition.passes })
    }

    /// Without the interfaces every interface match is followed both ways, still bounded.
    @Test func unknownInterfacesAreFollowedBothWays() throws {
        let result = try Self.trace(from: "10.180.0.5", to: "172.30.0.20", port: 80, in: nil, out: nil)
        #expect(result.outcomes.flatMap(\.notes).contains { $0.contains("the input interface is not known (--in-interface)") })
        #expect(Set(result.outcomes.filter(\.disposition.passes).compactMap(\.dnatTarget)) == ["10.180.0.1:8080", "10.180.1.1:8080"])
        #expect(!result.boundHit)
    }

    /// A target the trace cannot follow ends the path as unresolved and says which.
    @Test func queueTargetIsUnresolved() throws {
        let text = """
            *filter
            :INPUT ACCEPT [0:0]
            :FORWARD ACCEPT [0:0]
            :OUTPUT ACCEPT [0:0]
            -A FORWARD -p tcp -m tcp --dport 80 -j NFQUEUE --queue-num 3
            COMMIT

            """
        let path = NSTemporaryDirectory() + "pp-queue-\(UInt32.random(in: 0...UInt32.max)).txt"
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let side = try SideLoader(liveReader: nil).load(.paths([path]))
        let result = try Review.trace(side, BoundedTraceTests.request, nodeAddresses: Self.nodeAddress)
        #expect(result.outcomes.map(\.disposition) == [.unresolved("filter FORWARD rule 1: what -j NFQUEUE does with the packet is not modelled")])
    }
}
